"""Premiums by rule per order: first-inspection acceptance and on-time, each a ledger line of
its own, charged to the merchant apart from the fee, exact to the fen and reconciled."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import User
from orders.models import Order
from payouts.models import LedgerEntry, OrderPremiumRule, PayoutPremium, Statement
from payouts.selectors import household_extras, period_reconciliation
from payouts.services import (
    advance_create,
    period_approve,
    period_compute,
    period_create,
    premium_rule_set,
)
from quality.models import Inspection
from tests.factories import make_user

from .factories import at, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def march(operator):
    created = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    return period_compute(period_id=created.pk, actor=operator)


def premiums(period, **filters):
    return {
        (p.household_id, p.kind): (p.pieces, p.amount_fen)
        for p in PayoutPremium.objects.filter(period=period, **filters)
    }


def test_first_pass_premium_only_for_lots_accepted_at_first_inspection(operator, workshop):
    first, reworked, second_round, sorted_out = make_households(workshop, 4)
    order = make_order(fee="0.3000")
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.0500", on_time_per_piece="0"
    )
    make_outcome(first, order, accepted=30)
    make_outcome(reworked, order, accepted=30, is_rework=True)
    make_outcome(second_round, order, accepted=30, inspection_round=2)
    make_outcome(sorted_out, order, accepted=30, rejected=5, verdict=Inspection.Verdict.REJECTED)
    period = march(operator)
    assert premiums(period) == {(first.pk, "first_pass"): (30, 150)}
    assert period_reconciliation(period=period)["balanced"]


def test_on_time_premium_counts_pieces_accepted_by_the_deadline_day(operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order(fee="0.3000")
    Order.objects.filter(pk=order.pk).update(deadline=date(2026, 3, 10))
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece=None, on_time_per_piece="0.0333"
    )
    make_outcome(household, order, accepted=7, decided_at=at(date(2026, 3, 10), hour=23))
    make_outcome(household, order, accepted=11, decided_at=at(date(2026, 3, 11), hour=0))
    make_outcome(household, order, accepted=2, is_rework=True, decided_at=at(date(2026, 3, 9)))
    period = march(operator)
    # 9 pieces × 0.0333 = 0.2997, rounded once: 0.30
    assert premiums(period) == {(household.pk, "on_time"): (9, 30)}


def test_premium_is_rounded_once_per_line_and_charged_apart(operator, workshop):
    one, two = make_households(workshop, 2)
    order = make_order(fee="0.3500")
    premium_rule_set(
        actor=operator,
        order_id=order.pk,
        first_pass_per_piece="0.0125",
        on_time_per_piece="0.0100",
    )
    make_outcome(one, order, accepted=3)  # 3 × 0.0125 = 0.0375 → 0.04
    make_outcome(one, order, accepted=1)  # same line: 4 × 0.0125 = 0.05
    make_outcome(two, order, accepted=2)  # 0.025 → 0.03
    period = period_approve(period_id=march(operator).pk, actor=operator)
    assert premiums(period, kind="first_pass") == {
        (one.pk, "first_pass"): (4, 5),
        (two.pk, "first_pass"): (2, 3),
    }
    charges = LedgerEntry.objects.filter(period=period, kind=LedgerEntry.Kind.PREMIUM_CHARGE)
    assert sorted(c.amount_fen for c in charges) == [6, 8]
    assert {c.merchant_id for c in charges} == {order.merchant_id}
    fee_charge = LedgerEntry.objects.get(period=period, kind=LedgerEntry.Kind.MERCHANT_CHARGE)
    assert fee_charge.amount_fen == 210  # 6 × 0.35: the fee alone
    payables = LedgerEntry.objects.filter(period=period, kind=LedgerEntry.Kind.PREMIUM_PAYABLE)
    assert sum(p.amount_fen for p in payables) == 14 and payables.count() == 4
    assert Statement.objects.get(period=period, household=one).total_fen == 140 + 5 + 4
    reconciliation = period_reconciliation(period=period)
    assert reconciliation["balanced"], reconciliation["differences"]
    assert reconciliation["premium_fen"] == 14
    assert reconciliation["ledger_extras"]["premium_charge_fen"] == 14


def test_premiums_are_not_shared_with_lead_or_center(operator, workshop):
    from payouts.services import share_config_set

    household = make_households(workshop, 1)[0]
    share_config_set(
        actor=operator,
        workshop_id=workshop.pk,
        lead_kind="percent",
        lead_value=Decimal("10"),
        center_kind="percent",
        center_value=Decimal("5"),
    )
    order = make_order(fee="1.0000")
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.1", on_time_per_piece="0"
    )
    make_outcome(household, order, accepted=100)
    period = period_approve(period_id=march(operator).pk, actor=operator)
    assert Statement.objects.get(period=period).total_fen == 8500 + 1000


def test_premium_counts_in_the_net_an_advance_is_recovered_from(operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order(fee="0.1000")
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.1", on_time_per_piece="0"
    )
    make_outcome(household, order, accepted=10)  # 1.00 fee + 1.00 premium
    advance_create(
        actor=operator, household_id=household.pk, amount="5", reason="预支", paid_at=at()
    )
    period = period_approve(period_id=march(operator).pk, actor=operator)
    assert Statement.objects.get(period=period).total_fen == 0
    extras = household_extras(household_id=household.pk)
    (row,) = extras.periods
    assert (row["premium_fen"], row["recovery_fen"]) == (100, 200)
    assert extras.outstanding_fen == 300
    reconciliation = period_reconciliation(period=period)
    assert reconciliation["balanced"], reconciliation["differences"]


def test_rule_changed_after_compute_applies_from_the_next_compute(operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order()
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.01", on_time_per_piece="0"
    )
    make_outcome(household, order, accepted=100)
    period = march(operator)
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.02", on_time_per_piece="0"
    )
    assert PayoutPremium.objects.get(period=period).amount_fen == 100
    assert period_reconciliation(period=period)["balanced"]  # at the rate it was computed with
    period_compute(period_id=period.pk, actor=operator)
    assert PayoutPremium.objects.get(period=period).amount_fen == 200


def test_merchant_sets_premiums_on_its_own_orders_only(workshop):
    merchant = make_user(User.Role.MERCHANT)
    own = make_order(merchant=merchant)
    other = make_order()
    rule = premium_rule_set(
        actor=merchant, order_id=own.pk, first_pass_per_piece="0.05", on_time_per_piece="0.02"
    )
    assert (rule.first_pass_per_piece, rule.on_time_per_piece) == (
        Decimal("0.0500"),
        Decimal("0.0200"),
    )
    with pytest.raises(Exception) as refused:
        premium_rule_set(
            actor=merchant, order_id=other.pk, first_pass_per_piece="1", on_time_per_piece="0"
        )
    assert (refused.value.status, refused.value.code) == (404, "order_not_found")
    assert not OrderPremiumRule.objects.filter(order=other).exists()


@pytest.mark.parametrize("rate", ["-0.01", "0.00001", "abc"])
def test_bad_premium_rate_is_refused(operator, rate):
    order = make_order()
    with pytest.raises(Exception) as refused:
        premium_rule_set(
            actor=operator, order_id=order.pk, first_pass_per_piece=rate, on_time_per_piece="0"
        )
    assert (refused.value.status, refused.value.code) == (400, "premium_rule_invalid")
    assert not OrderPremiumRule.objects.exists()


def test_lead_may_not_set_premiums(lead):
    order = make_order()
    with pytest.raises(Exception) as refused:
        premium_rule_set(
            actor=lead, order_id=order.pk, first_pass_per_piece="1", on_time_per_piece="0"
        )
    assert refused.value.status == 403


def test_reconciliation_lists_a_premium_or_recovery_that_does_not_add_up(operator, workshop):
    from payouts.models import AdvanceRecovery

    household = make_households(workshop, 1)[0]
    order = make_order(fee="1.0000")
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.1", on_time_per_piece="0"
    )
    make_outcome(household, order, accepted=10)
    advance_create(
        actor=operator, household_id=household.pk, amount="5", reason="预支", paid_at=at()
    )
    period = march(operator)
    assert period_reconciliation(period=period)["balanced"]
    # a bug writing one fen too many, in a period still open (the database allows it there)
    PayoutPremium.objects.filter(period=period).update(amount_fen=101)
    differences = period_reconciliation(period=period)["differences"]
    assert [d["order_id"] for d in differences] == [order.pk]
    PayoutPremium.objects.filter(period=period).update(amount_fen=100)
    AdvanceRecovery.objects.filter(period=period).update(amount_fen=1200)  # net is 11.00
    reconciliation = period_reconciliation(period=period)
    assert not reconciliation["balanced"]
    assert {tuple(d) for d in reconciliation["differences"]} == {
        ("advance_id", "difference"),
        ("household_id", "difference"),
    }
