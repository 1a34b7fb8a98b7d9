"""Bonuses and deductions: entries of their own, with reasons; never on a locked period."""

from datetime import date

import pytest

from payouts.models import LedgerEntry, PayoutAdjustment, PayoutPeriod, Statement
from payouts.services import period_approve, period_compute, period_create
from tests.factories import make_workshop

from .factories import at, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def adjust(api, period_id, household_id, **fields):
    body = {"household_id": household_id, "kind": "bonus", "amount": "5.00", "reason": "奖励"}
    return api.post(f"/payouts/periods/{period_id}/adjustments", {**body, **fields})


def test_bonus_adds_to_the_households_total(api, operator, computed_period):
    first = computed_period.households_list[0]
    response = adjust(api.as_user(operator), computed_period.pk, first.pk, amount="3.5")
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "3.50"
    period = PayoutPeriod.objects.get(pk=computed_period.pk)
    assert period.bonus_fen == 350
    assert period.payable_fen == computed_period.households_fen + 350


def test_adjustment_without_a_reason_is_400_and_not_recorded(api, operator, computed_period):
    first = computed_period.households_list[0]
    response = adjust(api.as_user(operator), computed_period.pk, first.pk, reason="   ")
    assert (response.status_code, response.json()["code"]) == (400, "adjustment_reason_required")
    assert not PayoutAdjustment.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "NaN"])
def test_adjustment_amount_must_be_positive_fen(api, operator, computed_period, amount):
    first = computed_period.households_list[0]
    response = adjust(api.as_user(operator), computed_period.pk, first.pk, amount=amount)
    assert response.status_code in (400, 422)
    assert not PayoutAdjustment.objects.exists()


def test_deduction_that_would_make_the_total_negative_is_409(api, operator, computed_period):
    third = computed_period.households_list[2]  # 7 × 0.35 = 2.45
    api.as_user(operator)
    response = adjust(api, computed_period.pk, third.pk, kind="deduction", amount="2.46")
    assert (response.status_code, response.json()["code"]) == (
        409,
        "adjustment_makes_total_negative",
    )
    response = adjust(api, computed_period.pk, third.pk, kind="deduction", amount="2.45")
    assert response.status_code == 201
    response = adjust(api, computed_period.pk, third.pk, kind="deduction", amount="0.01")
    assert response.status_code == 409
    assert PayoutAdjustment.objects.count() == 1


def test_adjusting_an_approved_period_is_409(api, operator, computed_period):
    period_approve(period_id=computed_period.pk, actor=operator)
    first = computed_period.households_list[0]
    response = adjust(api.as_user(operator), computed_period.pk, first.pk)
    assert (response.status_code, response.json()["code"]) == (409, "payout_period_locked")


def test_correction_to_an_approved_period_goes_into_a_later_one(api, operator, computed_period):
    period_approve(period_id=computed_period.pk, actor=operator)
    first = computed_period.households_list[0]
    april = period_create(
        actor=operator, name="四月", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
    )
    api.as_user(operator)
    response = adjust(
        api, april.pk, first.pk, reason="三月少计 10 件", corrects_period_id=computed_period.pk
    )
    assert response.status_code == 201
    assert response.json()["corrects_period_id"] == computed_period.pk
    march = PayoutPeriod.objects.get(pk=computed_period.pk)
    assert (march.bonus_fen, march.status) == (0, "approved")
    period_compute(period_id=april.pk, actor=operator)
    period_approve(period_id=april.pk, actor=operator)
    assert Statement.objects.get(period=april, household=first).total_fen == 500
    entry = LedgerEntry.objects.get(period=april, kind="adjustment")
    assert (entry.amount_fen, entry.memo) == (500, "三月少计 10 件")


def test_correcting_a_period_that_is_not_approved_is_400(api, operator, computed_period):
    first = computed_period.households_list[0]
    april = period_create(
        actor=operator, name="四月", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
    )
    response = adjust(
        api.as_user(operator), april.pk, first.pk, corrects_period_id=computed_period.pk
    )
    assert (response.status_code, response.json()["code"]) == (400, "adjustment_corrects_invalid")


def test_household_outside_the_scope_is_400(api, operator, workshop):
    (outsider,) = make_households(make_workshop(), 1)
    period = period_create(
        actor=operator,
        name="工坊",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        scope="workshop",
        workshop_id=workshop.pk,
    )
    response = adjust(api.as_user(operator), period.pk, outsider.pk)
    assert (response.status_code, response.json()["code"]) == (
        400,
        "adjustment_household_out_of_scope",
    )


def test_deductions_survive_recompute_and_block_approval_if_lines_shrink(api, operator, workshop):
    (household,) = make_households(workshop, 1)
    make_outcome(household, make_order(fee="1.0000"), accepted=10, decided_at=at())
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    adjust(api.as_user(operator), period.pk, household.pk, kind="deduction", amount="8")
    # the pieces move to another period (a workshop-scoped one claims them first on recompute)
    from payouts.models import PayoutClaim

    PayoutClaim.objects.filter(period=period).delete()
    other = period_create(
        actor=operator,
        name="工坊三月",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        scope="workshop",
        workshop_id=workshop.pk,
    )
    period_compute(period_id=other.pk, actor=operator)
    period_compute(period_id=period.pk, actor=operator)
    assert PayoutAdjustment.objects.filter(period=period).count() == 1
    response = api.post(f"/payouts/periods/{period.pk}/approve")
    assert (response.status_code, response.json()["code"]) == (
        409,
        "payout_period_negative_totals",
    )
    assert PayoutPeriod.objects.get(pk=period.pk).status == "computed"
