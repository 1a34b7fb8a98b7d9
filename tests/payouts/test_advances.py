"""Advances: recorded at hand-out, recovered from later periods, never below zero, carried
forward, each recovery a ledger line, closed once fully recovered."""

import uuid
from datetime import date

import pytest

from accounts.models import User
from payouts.models import Advance, AdvanceRecovery, LedgerEntry, PayoutPeriod, Statement
from payouts.selectors import household_extras, period_reconciliation
from payouts.services import (
    adjustment_create,
    advance_create,
    period_approve,
    period_compute,
    period_create,
    period_mark_paid,
)
from tests.factories import make_household, make_user, make_workshop

from .factories import at, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def period(operator, month: int, **scope):
    last = {2: 28, 3: 31, 4: 30, 5: 31}[month]
    created = period_create(
        actor=operator,
        name=f"{month}月",
        starts_on=date(2026, month, 1),
        ends_on=date(2026, month, last),
        **scope,
    )
    return period_compute(period_id=created.pk, actor=operator)


def approve(operator, computed):
    return period_approve(period_id=computed.pk, actor=operator)


def test_advance_is_recovered_whole_when_the_period_covers_it(operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order(fee="0.5000")
    make_outcome(household, order, accepted=100)  # 50.00
    advance = advance_create(
        actor=operator, household_id=household.pk, amount="20", reason="领料预支", paid_at=at()
    )
    march = approve(operator, period(operator, 3))
    assert AdvanceRecovery.objects.get(period=march).amount_fen == 2000
    statement = Statement.objects.get(period=march, household=household)
    assert statement.total_fen == 5000 - 2000
    recovery = LedgerEntry.objects.get(period=march, kind=LedgerEntry.Kind.ADVANCE_RECOVERY)
    assert (recovery.household_id, recovery.amount_fen) == (household.pk, -2000)
    advance.refresh_from_db()
    assert advance.closed_in_id == march.pk and advance.closed_at is not None
    assert period_reconciliation(period=march)["balanced"]


def test_recovery_never_takes_a_period_below_zero_and_carries_the_rest(operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order(fee="0.3500")
    make_outcome(household, order, accepted=40)  # 14.00 in March
    make_outcome(household, order, accepted=100, decided_at=at(date(2026, 4, 10)))  # 35.00
    advance = advance_create(
        actor=operator, household_id=household.pk, amount="30.00", reason="领料预支", paid_at=at()
    )
    march = approve(operator, period(operator, 3))
    assert Statement.objects.get(period=march).total_fen == 0
    assert AdvanceRecovery.objects.get(period=march).amount_fen == 1400
    advance.refresh_from_db()
    assert advance.closed_at is None
    april = approve(operator, period(operator, 4))
    assert AdvanceRecovery.objects.get(period=april).amount_fen == 1600  # the rest
    assert Statement.objects.get(period=april).total_fen == 3500 - 1600
    advance.refresh_from_db()
    assert advance.closed_in_id == april.pk
    # two recoveries, two ledger lines, conserving the advance
    lines = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ADVANCE_RECOVERY).order_by("pk")
    assert [line.amount_fen for line in lines] == [-1400, -1600]
    assert period_reconciliation(period=march)["balanced"]
    assert period_reconciliation(period=april)["balanced"]


def test_oldest_advance_is_recovered_first(operator, workshop):
    household = make_households(workshop, 1)[0]
    make_outcome(household, make_order(fee="0.1000"), accepted=150)  # 15.00
    older = advance_create(
        actor=operator,
        household_id=household.pk,
        amount="10",
        reason="一",
        paid_at=at(date(2026, 3, 2)),
    )
    newer = advance_create(
        actor=operator,
        household_id=household.pk,
        amount="10",
        reason="二",
        paid_at=at(date(2026, 3, 5)),
    )
    march = period(operator, 3)
    taken = dict(
        AdvanceRecovery.objects.filter(period=march).values_list("advance_id", "amount_fen")
    )
    assert taken == {older.pk: 1000, newer.pk: 500}


def test_advance_paid_after_the_period_is_not_recovered_from_it(operator, workshop):
    household = make_households(workshop, 1)[0]
    make_outcome(household, make_order(), accepted=100)
    advance_create(
        actor=operator,
        household_id=household.pk,
        amount="5",
        reason="四月预支",
        paid_at=at(date(2026, 4, 2)),
    )
    march = period(operator, 3)
    assert not AdvanceRecovery.objects.filter(period=march).exists()


def test_adjustments_recover_again_from_what_they_leave(operator, workshop):
    household = make_households(workshop, 1)[0]
    make_outcome(household, make_order(fee="1.0000"), accepted=10)  # 10.00
    advance_create(
        actor=operator, household_id=household.pk, amount="8", reason="预支", paid_at=at()
    )
    march = period(operator, 3)
    assert AdvanceRecovery.objects.get().amount_fen == 800

    def adjust(kind, amount):
        return adjustment_create(
            actor=operator,
            period_id=march.pk,
            household_id=household.pk,
            kind=kind,
            amount=amount,
            reason="损耗",
        )

    # a deduction comes before the recovery: 10 - 5 leaves 5 to recover, 3 carried forward
    adjust("deduction", "5")
    assert AdvanceRecovery.objects.get().amount_fen == 500
    # the deduction may still not take the period below zero
    with pytest.raises(Exception) as refused:
        adjust("deduction", "5.01")
    assert refused.value.code == "adjustment_makes_total_negative"
    # a bonus recovers more
    adjust("bonus", "2")
    assert AdvanceRecovery.objects.get().amount_fen == 700
    # a recompute recovers the same again (idempotent)
    march = period_compute(period_id=march.pk, actor=operator)
    assert AdvanceRecovery.objects.get().amount_fen == 700
    assert PayoutPeriod.objects.get(pk=march.pk).payable_fen == 0


def test_paid_period_settles_the_net_after_recovery(operator, workshop):
    household = make_households(workshop, 1)[0]
    make_outcome(household, make_order(fee="1.0000"), accepted=10)
    advance_create(
        actor=operator, household_id=household.pk, amount="4", reason="预支", paid_at=at()
    )
    march = approve(operator, period(operator, 3))
    period_mark_paid(period_id=march.pk, actor=operator, payment_reference="B-1")
    payment = LedgerEntry.objects.get(kind=LedgerEntry.Kind.HOUSEHOLD_PAYMENT)
    assert payment.amount_fen == -600
    household_side = LedgerEntry.objects.filter(period=march, household=household).exclude(
        kind=LedgerEntry.Kind.HOUSEHOLD_PAYMENT
    )
    assert sum(e.amount_fen for e in household_side) == 600


def test_household_extras_lists_advances_and_recoveries(operator, workshop):
    household = make_households(workshop, 1)[0]
    make_outcome(household, make_order(fee="1.0000"), accepted=3)
    advance_create(
        actor=operator, household_id=household.pk, amount="5", reason="领料预支", paid_at=at()
    )
    march = approve(operator, period(operator, 3))
    extras = household_extras(household_id=household.pk)
    (advance,) = extras.advances
    assert (advance.amount_fen, advance.recovered_fen, advance.outstanding_fen) == (500, 300, 200)
    assert extras.outstanding_fen == 200
    (row,) = extras.periods
    assert (row["period_id"], row["recovery_fen"], row["premium_fen"]) == (march.pk, 300, 0)


# --- recording ----------------------------------------------------------------------------


def test_advance_with_the_same_key_is_recorded_once(operator, workshop):
    household = make_household(workshop)
    key = uuid.uuid4()
    first = advance_create(
        actor=operator, household_id=household.pk, amount="5", reason="预支", idempotency_key=key
    )
    again = advance_create(
        actor=operator, household_id=household.pk, amount="5", reason="预支", idempotency_key=key
    )
    assert first.pk == again.pk and Advance.objects.count() == 1
    with pytest.raises(Exception) as reused:
        advance_create(
            actor=operator,
            household_id=household.pk,
            amount="6",
            reason="预支",
            idempotency_key=key,
        )
    assert (reused.value.status, reused.value.code) == (409, "idempotency_key_reused")


def test_lead_records_advances_for_its_own_households_only(lead, workshop):
    own = make_household(workshop)
    other = make_household(make_workshop())
    advance = advance_create(actor=lead, household_id=own.pk, amount="5", reason="预支")
    assert advance.workshop_id == workshop.pk and advance.recorded_by_id == lead.pk
    with pytest.raises(Exception) as refused:
        advance_create(actor=lead, household_id=other.pk, amount="5", reason="预支")
    assert (refused.value.status, refused.value.code) == (404, "household_not_found")
    assert Advance.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "reason", "code"),
    [
        ("0", "预支", "advance_amount_invalid"),
        ("-3", "预支", "advance_amount_invalid"),
        ("1.001", "预支", "advance_amount_invalid"),
        ("10000.01", "预支", "advance_amount_invalid"),
        ("abc", "预支", "advance_amount_invalid"),
        ("5", "  ", "advance_reason_required"),
    ],
)
def test_bad_advance_is_refused_and_nothing_written(operator, workshop, amount, reason, code):
    household = make_household(workshop)
    with pytest.raises(Exception) as refused:
        advance_create(actor=operator, household_id=household.pk, amount=amount, reason=reason)
    assert (refused.value.status, refused.value.code) == (400, code)
    assert not Advance.objects.exists()


def test_merchant_may_not_record_an_advance(workshop):
    household = make_household(workshop)
    merchant = make_user(User.Role.MERCHANT)
    with pytest.raises(Exception) as refused:
        advance_create(actor=merchant, household_id=household.pk, amount="5", reason="预支")
    assert refused.value.status == 403
    assert not Advance.objects.exists()


def test_period_payable_includes_the_recovery(operator, workshop):
    household = make_households(workshop, 1)[0]
    make_outcome(household, make_order(fee="1.0000"), accepted=10)
    advance_create(
        actor=operator, household_id=household.pk, amount="4", reason="预支", paid_at=at()
    )
    march = PayoutPeriod.objects.get(pk=period(operator, 3).pk)
    assert march.households_fen == 1000
    assert march.payable_fen == 600
