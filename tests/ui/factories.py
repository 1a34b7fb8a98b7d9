"""Builders for the page tests. They go through each domain's services, as the pages do."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from tests.factories import make_skill, make_user, seq


def make_cohort_with_trainees(trainer: User, names: list[str], *, days_ago: int = 10):
    from trainees.services import cohort_create, programme_create, trainee_enrol

    operator = make_user(User.Role.OPERATOR)
    make_skill("raoxian", "绕线")
    programme = programme_create(
        actor=operator,
        code=f"cun-{seq()}",
        name="绕线腰带村级培训",
        kind="village",
        duration_days=30,
        modules=[
            {"name": "绕线基础", "required_hours": Decimal("10"), "due_day": 10},
            {"name": "腰带成品", "required_hours": Decimal("20"), "due_day": 30},
        ],
    )
    cohort = cohort_create(
        actor=operator,
        programme_id=programme.pk,
        name="丹巴一班",
        start_date=timezone.localdate() - timedelta(days=days_ago),
        place_kind="village",
        place="丹巴县聂呷乡",
        trainer_ids=[trainer.pk],
    )
    trainees = [
        trainee_enrol(
            actor=operator,
            cohort_id=cohort.pk,
            name=name,
            province="四川",
            county="丹巴县",
            background="villager",
        )
        for name in names
    ]
    return cohort, trainees


def make_published_order(merchant: User, *, quantity: int = 200, batch_size: int = 100, **terms):
    from orders.services import order_create, order_publish

    terms.setdefault("product_name", "绕线腰带")
    terms.setdefault("fee_per_piece", Decimal("1.20"))
    terms.setdefault("standard_minutes", Decimal("2"))
    terms.setdefault("required_skills", ["raoxian"])
    order = order_create(
        actor=merchant,
        quantity=quantity,
        batch_size=batch_size,
        deadline=timezone.localdate() + timedelta(days=20),
        **terms,
    )
    return order_publish(actor=merchant, order_id=order.pk, acknowledge_below_minimum_wage=True)


def make_batch_in_production(workshop, *, quantity: int = 1000, **order_terms):
    """A batch of a published order, claimed by ``workshop``'s lead, materials arrived."""
    from orders.services import batch_claim, batch_start_production

    order = make_published_order(
        make_user(User.Role.MERCHANT), quantity=quantity, batch_size=quantity, **order_terms
    )
    batch = order.batches.get()
    batch_claim(actor=workshop.lead, batch_id=batch.pk)
    return batch_start_production(batch_id=batch.pk, actor=None)


def hand_out_and_back(batch, households_pieces: dict) -> None:
    """Each household is issued and returns its pieces (through the orders services)."""
    from orders.services import ticket_issue, ticket_return_record

    lead = batch.workshop.lead
    for household, pieces in households_pieces.items():
        ticket, _ = ticket_issue(
            actor=lead, batch_id=batch.pk, household_id=household.pk, quantity=pieces
        )
        ticket_return_record(actor=lead, ticket_id=ticket.pk, returned=pieces)


def make_finished_lot(batch, households_pieces: dict):
    from quality.services import lot_create

    return lot_create(
        actor=batch.workshop.lead,
        batch_id=batch.pk,
        kind="finished",
        quantity=sum(households_pieces.values()),
        shares=[{"household_id": h.pk, "quantity": q} for h, q in households_pieces.items()],
    )


def make_accepted_pieces(workshop, households_pieces: dict, *, fee: str = "1.20"):
    """Pieces returned, packed, inspected and accepted: what a payout period pays for."""
    from quality.services import lot_inspect

    batch = make_batch_in_production(
        workshop, quantity=sum(households_pieces.values()), fee_per_piece=Decimal(fee)
    )
    hand_out_and_back(batch, households_pieces)
    lot = make_finished_lot(batch, households_pieces)
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    lot_inspect(actor=checker, code=lot.code, defects=[])
    return batch


def make_computed_period(operator: User):
    from payouts.services import period_compute, period_create

    today = timezone.localdate()
    period = period_create(
        actor=operator, name="本月加工费", starts_on=today.replace(day=1), ends_on=today
    )
    return period_compute(period_id=period.pk, actor=operator)


def add_product_photo(order, *, size=(1200, 900)) -> None:
    """A sample photo as a merchant's phone would take it (noisy, so JPEG cannot cheat)."""
    import os
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from orders.services import order_photo_add

    picture = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    upload = SimpleUploadedFile("sample.jpg", buffer.getvalue(), content_type="image/jpeg")
    order_photo_add(actor=order.created_by, order_id=order.pk, upload=upload)
