"""Property tests over the whole compute (hypothesis, on the database).

Random fees, piece counts, shares, adjustments and periods: the parts of every pool sum exactly
to it; every accepted piece is paid in exactly one period; approved periods never change.
Each example runs in a transaction that is rolled back.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ApplicationError
from payouts.models import (
    LedgerEntry,
    PayoutClaim,
    PayoutLine,
    PayoutPeriod,
    PayoutPool,
    Statement,
)
from payouts.money import apportion, fee_to_units, units_to_fen
from payouts.services import (
    adjustment_create,
    period_approve,
    period_compute,
    period_create,
    share_config_set,
)
from quality.models import PieceOutcome
from tests.factories import make_household, make_workshop

from .factories import at, make_batch, make_order, make_outcome

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

fees = st.decimals(min_value="0.0001", max_value="5.0000", places=4)
share_kinds = st.sampled_from(["percent", "per_piece"])


class Rollback(Exception):
    pass


def rolled_back(body):
    try:
        with transaction.atomic():
            body()
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def two_workshops(db):
    return make_workshop(), make_workshop()


@EXAMPLES
@given(
    fee=fees,
    rework_fee=st.one_of(st.none(), fees),
    pieces=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 500), st.booleans()), min_size=1, max_size=12
    ),
    lead=st.tuples(share_kinds, st.integers(0, 40)),
    center=st.tuples(share_kinds, st.integers(0, 40)),
)
def test_every_pool_splits_exactly_and_lines_match_the_python_apportionment(
    operator, two_workshops, fee, rework_fee, pieces, lead, center
):
    workshop = two_workshops[0]

    def body():
        share_config_set(
            actor=operator,
            workshop_id=workshop.pk,
            lead_kind=lead[0],
            lead_value=Decimal(lead[1]) if lead[0] == "percent" else Decimal(lead[1]) / 100,
            center_kind=center[0],
            center_value=Decimal(center[1]) if center[0] == "percent" else Decimal(center[1]) / 100,
        )
        households = [make_household(workshop) for _ in range(4)]
        order = make_order(fee=str(fee), rework_fee=None if rework_fee is None else str(rework_fee))
        batch = make_batch(order, workshop)
        expected_units: dict[int, int] = {}
        for index, accepted, is_rework in pieces:
            household = households[index]
            make_outcome(household, order, accepted=accepted, is_rework=is_rework, batch=batch)
            unit_fee = fee_to_units(order.rework_fee if is_rework else order.fee_per_piece)
            expected_units[household.pk] = expected_units.get(household.pk, 0) + accepted * unit_fee
        period = period_create(
            actor=operator, name="p", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
        )
        period = period_compute(period_id=period.pk, actor=operator)
        paid_units = {pk: units for pk, units in expected_units.items() if units}
        pools = list(PayoutPool.objects.filter(period=period))
        assert len(pools) == (1 if any(accepted for _, accepted, _ in pieces) else 0)
        for pool in pools:
            assert pool.households_fen + pool.lead_fen + pool.center_fen == pool.gross_fen
            lines = list(PayoutLine.objects.filter(pool=pool).order_by("household_id"))
            assert {line.household_id: line.gross_fen for line in lines} == {
                pk: units_to_fen(units) for pk, units in paid_units.items()
            }
            assert pool.gross_fen == sum(line.gross_fen for line in lines)
            assert [line.amount_fen for line in lines] == apportion(
                pool.households_fen, [line.gross_fen for line in lines]
            )
        assert period.gross_fen == period.households_fen + period.lead_fen + period.center_fen

    rolled_back(body)


@EXAMPLES
@given(
    outcomes=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 60), st.integers(1, 40)),
        min_size=1,
        max_size=15,
    ),
    plan=st.lists(
        st.tuples(st.sampled_from(["all", "w0", "w1"]), st.integers(0, 2), st.booleans()),
        min_size=1,
        max_size=6,
    ),
)
def test_every_accepted_piece_is_paid_once_across_many_periods(
    operator, two_workshops, outcomes, plan
):
    """Outcomes over three months; periods of random scopes and months computed (and some
    approved) in random order; then every month is closed by an all-scope period."""

    def body():
        households = [make_household(w) for w in two_workshops]
        order = make_order(fee="0.2500")
        created = []
        for which, day, accepted in outcomes:
            decided = at(date(2026, 3, 1) + timedelta(days=day))
            created.append(
                make_outcome(households[which], order, accepted=accepted, decided_at=decided)
            )
        months = [(date(2026, m, 1), date(2026, m + 1, 1) - timedelta(days=1)) for m in (3, 4, 5)]
        for scope, month, approve in plan:
            starts_on, ends_on = months[month]
            fields = {"scope": "all"}
            if scope != "all":
                fields = {"scope": "workshop", "workshop_id": two_workshops[int(scope[1])].pk}
            try:
                period = period_create(
                    actor=operator, name="p", starts_on=starts_on, ends_on=ends_on, **fields
                )
            except ApplicationError:
                continue  # overlaps an earlier one of the same scope: refused, fine
            period_compute(period_id=period.pk, actor=operator)
            if approve:
                period_approve(period_id=period.pk, actor=operator)
        for starts_on, ends_on in months:
            try:
                period = period_create(
                    actor=operator, name="close", starts_on=starts_on, ends_on=ends_on
                )
            except ApplicationError:
                period = PayoutPeriod.objects.get(scope="all", starts_on=starts_on)
            if not period.is_locked:
                period_compute(period_id=period.pk, actor=operator)
        paid = sum(PayoutLine.objects.values_list("pieces", flat=True)) + sum(
            PayoutLine.objects.values_list("rework_pieces", flat=True)
        )
        assert paid == sum(o.accepted for o in created)
        claimed = PayoutClaim.objects.values_list("inspection_id", flat=True)
        assert len(claimed) == len(set(claimed)) == len(created)
        by_period = {}
        for line in PayoutLine.objects.select_related("pool"):
            key = (line.pool.period_id, line.household_id, line.pool.order_id)
            assert key not in by_period
            by_period[key] = line.pieces

    rolled_back(body)


def snapshot(period: PayoutPeriod) -> tuple:
    period.refresh_from_db()
    return (
        period.status,
        period.gross_fen,
        period.households_fen,
        period.lead_fen,
        period.center_fen,
        period.bonus_fen,
        period.deduction_fen,
        sorted(
            PayoutLine.objects.filter(pool__period=period).values_list(
                "household_id", "pool__order_id", "pieces", "gross_fen", "amount_fen"
            )
        ),
        sorted(
            PayoutPool.objects.filter(period=period).values_list(
                "workshop_id", "order_id", "gross_fen", "households_fen", "lead_fen", "center_fen"
            )
        ),
        sorted(LedgerEntry.objects.filter(period=period).values_list("kind", "amount_fen")),
        sorted(Statement.objects.filter(period=period).values_list("household_id", "total_fen")),
        sorted(PayoutClaim.objects.filter(period=period).values_list("inspection_id", flat=True)),
    )


@EXAMPLES
@given(
    later=st.lists(
        st.tuples(
            st.sampled_from(["outcome", "recompute", "adjust", "shares", "approve_again"]),
            st.integers(1, 50),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_approved_periods_are_unchanged_by_later_work(operator, two_workshops, later):
    workshop = two_workshops[0]

    def body():
        household = make_household(workshop)
        order = make_order(fee="0.7777")
        make_outcome(household, order, accepted=13)
        march = period_create(
            actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
        )
        period_compute(period_id=march.pk, actor=operator)
        period_approve(period_id=march.pk, actor=operator)
        before = snapshot(march)
        april = period_create(
            actor=operator, name="四月", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
        )
        for action, amount in later:
            try:
                if action == "outcome":  # late pieces decided in March, after approval
                    make_outcome(household, order, accepted=amount, decided_at=at(hour=18))
                elif action == "recompute":
                    for target in (march, april):
                        try:
                            period_compute(period_id=target.pk, actor=operator)
                        except ApplicationError:
                            pass
                elif action == "adjust":
                    adjustment_create(
                        actor=operator,
                        period_id=april.pk,
                        household_id=household.pk,
                        kind="bonus",
                        amount=str(amount),
                        reason="更正三月",
                        corrects_period_id=march.pk,
                    )
                elif action == "shares":
                    share_config_set(
                        actor=operator,
                        workshop_id=workshop.pk,
                        lead_kind="percent",
                        lead_value=Decimal(amount % 30),
                        center_kind="per_piece",
                        center_value=Decimal("0.0100"),
                    )
                else:
                    period_approve(period_id=march.pk, actor=operator)
            except ApplicationError:
                pass
        assert snapshot(march) == before
        # and the late March pieces are not lost: April carries them
        period_compute(period_id=april.pk, actor=operator)
        april.refresh_from_db()
        late = sum(
            o.accepted
            for o in PieceOutcome.objects.filter(household=household)
            if o.inspection_id
            not in set(
                PayoutClaim.objects.filter(period=march).values_list("inspection_id", flat=True)
            )
        )
        assert april.pieces + april.rework_pieces == late

    rolled_back(body)
