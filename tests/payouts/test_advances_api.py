"""The API of advances and premium rules: who may, what comes back, bad input changes nothing."""

import uuid

import pytest

from accounts.models import User
from payouts.models import Advance, OrderPremiumRule
from tests.factories import make_household, make_user, make_workshop

from .factories import make_order

pytestmark = pytest.mark.django_db


def test_lead_records_an_advance_and_a_repeat_with_its_key_records_nothing(api, lead, workshop):
    household = make_household(workshop)
    body = {
        "household_id": household.pk,
        "amount": "50.00",
        "reason": "领料预支",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = api.as_user(lead).post("/payouts/advances", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["amount"], data["outstanding"], data["recovered"]) == ("50.00", "50.00", "0.00")
    again = api.post("/payouts/advances", body)
    assert again.status_code == 201 and again.json()["id"] == data["id"]
    reused = api.post("/payouts/advances", {**body, "amount": "60.00"})
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")
    assert Advance.objects.count() == 1


def test_lead_cannot_record_for_another_workshops_household(api, lead):
    other = make_household(make_workshop())
    response = api.as_user(lead).post(
        "/payouts/advances", {"household_id": other.pk, "amount": "5", "reason": "预支"}
    )
    assert (response.status_code, response.json()["code"]) == (404, "household_not_found")
    assert not Advance.objects.exists()


def test_merchant_cannot_record_or_list_advances(api, merchant, workshop):
    household = make_household(workshop)
    api.as_user(merchant)
    response = api.post(
        "/payouts/advances", {"household_id": household.pk, "amount": "5", "reason": "预支"}
    )
    assert response.status_code == 403, response.content
    assert api.get("/payouts/advances").status_code == 403
    assert not Advance.objects.exists()


def test_operator_sees_outstanding_advances_and_lead_its_own(api, operator, lead, workshop):
    own = make_household(workshop)
    other = make_household(make_workshop())
    api.as_user(operator)
    for household in (own, other):
        response = api.post(
            "/payouts/advances", {"household_id": household.pk, "amount": "5", "reason": "预支"}
        )
        assert response.status_code == 201
    everyone = api.get("/payouts/advances").json()
    assert {row["household_id"] for row in everyone["items"]} == {own.pk, other.pk}
    mine = api.as_user(lead).get("/payouts/advances").json()
    assert [row["household_id"] for row in mine["items"]] == [own.pk]


def test_bad_advance_amount_is_refused(api, operator, workshop):
    household = make_household(workshop)
    response = api.as_user(operator).post(
        "/payouts/advances", {"household_id": household.pk, "amount": "0", "reason": "预支"}
    )
    assert response.status_code == 400
    assert response.json()["code"] in {"advance_amount_invalid", "invalid_input"}
    assert not Advance.objects.exists()


def test_merchant_sets_its_orders_premium_rule(api):
    merchant = make_user(User.Role.MERCHANT)
    order = make_order(merchant=merchant)
    response = api.as_user(merchant).put(
        f"/payouts/orders/{order.pk}/premium-rule",
        {"first_pass_per_piece": "0.0500", "on_time_per_piece": "0.02"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["first_pass_per_piece"] == "0.0500"
    assert response.json()["on_time_per_piece"] == "0.0200"
    other = make_order()
    response = api.put(
        f"/payouts/orders/{other.pk}/premium-rule",
        {"first_pass_per_piece": "1", "on_time_per_piece": "0"},
    )
    assert response.status_code == 404
    assert OrderPremiumRule.objects.count() == 1


def test_negative_premium_is_refused(api, operator):
    order = make_order()
    response = api.as_user(operator).put(
        f"/payouts/orders/{order.pk}/premium-rule",
        {"first_pass_per_piece": "-1", "on_time_per_piece": "0"},
    )
    assert response.status_code in (400, 422)
    assert not OrderPremiumRule.objects.exists()


def test_period_detail_shows_premiums_and_recoveries(api, operator, workshop):
    from datetime import date

    from payouts.services import (
        advance_create,
        period_compute,
        period_create,
        premium_rule_set,
    )

    from .factories import at, make_outcome

    household = make_household(workshop)
    order = make_order(fee="1.0000")
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.1", on_time_per_piece="0"
    )
    make_outcome(household, order, accepted=10)
    advance_create(
        actor=operator, household_id=household.pk, amount="3", reason="预支", paid_at=at()
    )
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    data = api.as_user(operator).get(f"/payouts/periods/{period.pk}").json()
    reconciliation = data["reconciliation"]
    assert reconciliation["balanced"] is True
    assert (reconciliation["premium"], reconciliation["advance_recovery"]) == ("1.00", "3.00")
    assert reconciliation["premiums"][0]["kind"] == "first_pass"
