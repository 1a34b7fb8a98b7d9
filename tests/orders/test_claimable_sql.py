"""The open-batch list filtered and sorted in the database equals the Python rule.

``claimable_batch_query`` translates ``eligibility.may_claim`` (status, region, skills, deadline,
capacity) and the best-first order to SQL; here it is checked against the rule as it was written
in Python (every open batch built, ``may_claim`` on each, sorted by the Decimal hourly rate) over
random workshops and orders.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.eligibility import batch_needs, may_claim, workshop_fits
from orders.models import Batch, Order
from orders.selectors import claimable_batch_query, claimable_batches
from tests.factories import make_service_center, make_workshop
from workshops.models import Workshop

from .factories import make_merchant, make_order

SKILLS = ("raoxian", "gouzhen", "cixiu")

order_strategy = st.fixed_dictionaries(
    {
        "skills": st.sets(st.sampled_from(SKILLS), max_size=2),
        "center": st.sampled_from([None, "mine", "other"]),
        "days": st.integers(min_value=-2, max_value=12),
        "fee": st.sampled_from(["0.10", "0.20", "0.35", "0.5000", "0.90", "1.2345"]),
        "minutes": st.sampled_from(["0.30", "0.60", "1.00", "1.50", "3.00", "2.47"]),
        "quantity": st.integers(min_value=1, max_value=900),
        "batch_size": st.integers(min_value=100, max_value=400),
        "published": st.booleans(),
        "cancel_first": st.booleans(),
    }
)


def python_rule(workshop: Workshop, today) -> list[int]:
    """The open-batch list as it was computed before: everything in Python."""
    if workshop.status != Workshop.Status.ACTIVE:
        return []
    candidates = list(
        Batch.objects.filter(
            status=Batch.Status.OPEN, order__status=Order.Status.PUBLISHED
        ).select_related("order")
    )
    fit = workshop_fits([workshop])[workshop.pk]
    needs = batch_needs(candidates)
    fitting = [b for b in candidates if may_claim(needs[b.pk], fit, today)]
    fitting.sort(
        key=lambda b: (
            -(b.order.fee_per_piece * 60 / b.order.standard_minutes),
            b.order.deadline,
            b.order_id,
            b.number,
        )
    )
    return [b.pk for b in fitting]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    skills=st.sets(st.sampled_from(SKILLS), max_size=3),
    capacity=st.integers(min_value=1, max_value=120),
    held=st.integers(min_value=0, max_value=600),
    active=st.booleans(),
    orders=st.lists(order_strategy, min_size=1, max_size=6),
    page=st.tuples(st.integers(min_value=0, max_value=4), st.integers(min_value=1, max_value=5)),
)
def test_the_sql_open_batch_list_equals_the_python_rule(
    db, skills, capacity, held, active, orders, page
):
    today = timezone.localdate()
    with transaction.atomic():
        mine = make_service_center()
        other = make_service_center()
        workshop = make_workshop(
            service_center=mine,
            skills={code: 2 for code in skills} or {"raoxian": 1},
            daily_capacity=capacity,
        )
        if not skills:
            workshop.skill_levels.all().delete()
        merchant = make_merchant()
        if held:
            # Pieces the workshop already holds count against its capacity.
            holding = make_order(merchant, quantity=held, batch_size=held, skills=())
            Order.objects.filter(pk=holding.pk).update(status=Order.Status.PUBLISHED)
            holding.batches.update(status=Batch.Status.CLAIMED, workshop=workshop)
        for spec in orders:
            center = {"mine": mine.pk, "other": other.pk, None: None}[spec["center"]]
            order = make_order(
                merchant,
                quantity=spec["quantity"],
                batch_size=min(spec["batch_size"], spec["quantity"]),
                fee=spec["fee"],
                minutes=spec["minutes"],
                skills=tuple(sorted(spec["skills"])),
                service_center_id=center,
            )
            Order.objects.filter(pk=order.pk).update(
                deadline=today + timedelta(days=spec["days"]),
                status=Order.Status.PUBLISHED if spec["published"] else Order.Status.DRAFT,
            )
            if spec["cancel_first"]:
                order.batches.filter(number=1).update(status=Batch.Status.CANCELLED)
        if not active:
            Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.SUSPENDED)
        workshop = Workshop.objects.select_related("organisation").get(pk=workshop.pk)

        expected = python_rule(workshop, today)
        found = [b.pk for b in claimable_batch_query(workshop=workshop, today=today)]
        assert found == expected
        offset, limit = page
        sliced = claimable_batches(workshop=workshop, today=today, limit=limit, offset=offset)
        assert [b.pk for b in sliced] == expected[offset : offset + limit]
        transaction.set_rollback(True)
