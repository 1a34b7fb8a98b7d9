from datetime import date
from decimal import Decimal

import pytest

from payouts.models import PayoutClaim, PayoutLine, PayoutPeriod, PayoutPool
from payouts.services import period_compute, period_create, share_config_set

from .factories import at, make_batch, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def open_period(operator, **kwargs) -> PayoutPeriod:
    kwargs.setdefault("name", "三月结算")
    kwargs.setdefault("starts_on", date(2026, 3, 1))
    kwargs.setdefault("ends_on", date(2026, 3, 31))
    return period_create(actor=operator, **kwargs)


def test_accepted_pieces_times_fee_become_a_line_rounded_once(operator, workshop):
    (household,) = make_households(workshop, 1)
    order = make_order(fee="0.3333")
    make_outcome(household, order, accepted=7)  # 2.3331 yuan
    make_outcome(household, order, accepted=8)  # 2.6664 yuan; together 4.9995 → 5.00
    period = period_compute(period_id=open_period(operator).pk, actor=operator)
    line = PayoutLine.objects.get(pool__period=period)
    assert (line.pieces, line.gross_fen, line.amount_fen) == (15, 500, 500)
    assert period.status == PayoutPeriod.Status.COMPUTED
    assert (period.gross_fen, period.households_fen, period.pieces) == (500, 500, 15)


def test_rejected_pieces_earn_nothing_and_rework_is_paid_at_the_rework_fee(operator, workshop):
    (household,) = make_households(workshop, 1)
    order = make_order(fee="0.5000", rework_fee="0.3000")
    make_outcome(household, order, accepted=10, rejected=4)
    make_outcome(household, order, accepted=4, is_rework=True)
    make_outcome(household, order, accepted=0, rejected=6)
    period = period_compute(period_id=open_period(operator).pk, actor=operator)
    line = PayoutLine.objects.get(pool__period=period)
    assert (line.pieces, line.rework_pieces) == (10, 4)
    assert line.gross_fen == 10 * 50 + 4 * 30
    assert line.pool.rework_fee == Decimal("0.3000")


def test_rework_without_a_rework_fee_is_paid_the_full_fee(operator, workshop):
    (household,) = make_households(workshop, 1)
    order = make_order(fee="0.5000")
    make_outcome(household, order, accepted=4, is_rework=True)
    period = period_compute(period_id=open_period(operator).pk, actor=operator)
    assert PayoutLine.objects.get(pool__period=period).gross_fen == 200


def test_pool_is_split_between_households_lead_and_center_to_the_fen(operator, workshop):
    first, second, third = make_households(workshop, 3)
    share_config_set(
        actor=operator,
        workshop_id=workshop.pk,
        lead_kind="percent",
        lead_value=Decimal("5"),
        center_kind="per_piece",
        center_value=Decimal("0.0100"),
    )
    order = make_order(fee="0.3500")
    batch = make_batch(order, workshop)
    for household, pieces in ((first, 101), (second, 33), (third, 1)):
        make_outcome(household, order, accepted=pieces, batch=batch)
    period = period_compute(period_id=open_period(operator).pk, actor=operator)
    pool = PayoutPool.objects.get(period=period)
    assert pool.gross_fen == 135 * 35  # 4725 fen
    assert pool.lead_fen == 236  # 5 % of 47.25 = 2.3625 → largest remainder
    assert pool.center_fen == 135  # 135 pieces × 0.01
    assert pool.households_fen == 4725 - 236 - 135
    lines = PayoutLine.objects.filter(pool__period=period)
    amounts = dict(lines.values_list("household_id", "amount_fen"))
    assert sum(amounts.values()) == pool.households_fen
    assert pool.lead_id == workshop.lead_id
    assert pool.service_center_id == workshop.organisation.service_center_id


def test_recomputing_a_draft_gives_the_same_lines(operator, workshop):
    households = make_households(workshop, 4)
    order = make_order(fee="0.1234")
    for i, household in enumerate(households):
        make_outcome(household, order, accepted=10 + i)
    period = open_period(operator)
    period_compute(period_id=period.pk, actor=operator)
    lines = PayoutLine.objects.filter(pool__period=period).order_by("household_id")
    first = list(lines.values_list("household_id", "pool__order_id", "amount_fen"))
    period_compute(period_id=period.pk, actor=operator)
    again = list(lines.values_list("household_id", "pool__order_id", "amount_fen"))
    assert first == again
    assert PayoutClaim.objects.filter(period=period).count() == 4


def test_pieces_after_the_end_or_outside_the_scope_are_left_and_earlier_unpaid_carried(
    operator, workshop
):
    (household,) = make_households(workshop, 1)
    other = make_households(make_workshop_in_other_region(), 1)[0]
    order = make_order()
    make_outcome(household, order, accepted=5, decided_at=at(date(2026, 4, 1), hour=0))
    make_outcome(household, order, accepted=6, decided_at=at(date(2026, 2, 28), hour=23))
    make_outcome(other, order, accepted=7)
    make_outcome(household, order, accepted=8)
    period = period_compute(
        period_id=open_period(
            operator, scope="region", region_id=workshop.organisation.service_center_id
        ).pk,
        actor=operator,
    )
    assert period.pieces == 6 + 8  # the unpaid piece from February is carried in


def test_a_piece_claimed_by_one_scope_is_not_paid_again_by_another(operator, workshop):
    (household,) = make_households(workshop, 1)
    order = make_order()
    make_outcome(household, order, accepted=9)
    by_workshop = period_compute(
        period_id=open_period(operator, scope="workshop", workshop_id=workshop.pk).pk,
        actor=operator,
    )
    everything = period_compute(period_id=open_period(operator).pk, actor=operator)
    assert (by_workshop.pieces, everything.pieces) == (9, 0)


def make_workshop_in_other_region():
    from tests.factories import make_workshop

    return make_workshop()
