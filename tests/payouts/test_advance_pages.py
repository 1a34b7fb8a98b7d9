"""The phone pages: a lead records an advance (once, however often the form is sent), sees its
workshop's outstanding advances; an operator sees everyone's; a merchant sets its order's
premiums."""

import uuid

import pytest
from django.test import Client

from accounts.models import User
from payouts.models import Advance, OrderPremiumRule
from tests.factories import make_household, make_user, make_workshop

from .factories import make_order

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_lead_records_an_advance_from_the_phone_once(lead, workshop):
    household = make_household(workshop)
    client = signed_in(lead)
    page = client.get("/lead/advances/")
    assert page.status_code == 200
    assert household.name in page.content.decode()
    body = {
        "household_id": household.pk,
        "amount": "30.00",
        "reason": "领料预支",
        "key": str(uuid.uuid4()),
    }
    assert client.post("/lead/advances/", body).status_code == 302
    assert client.post("/lead/advances/", body).status_code == 302  # a double tap
    advance = Advance.objects.get()
    assert (advance.household_id, advance.amount_fen, advance.recorded_by_id) == (
        household.pk,
        3000,
        lead.pk,
    )
    listing = client.get("/lead/advances/").content.decode()
    assert "领料预支" in listing and "¥30.00" in listing


def test_lead_cannot_pick_another_workshops_household(lead):
    other = make_household(make_workshop())
    response = signed_in(lead).post(
        "/lead/advances/",
        {"household_id": other.pk, "amount": "5", "reason": "预支", "key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert not Advance.objects.exists()


def test_bad_amount_shows_the_form_again_and_records_nothing(lead, workshop):
    household = make_household(workshop)
    response = signed_in(lead).post(
        "/lead/advances/",
        {"household_id": household.pk, "amount": "0", "reason": "预支", "key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert 'id="advance-form"' in response.content.decode()
    assert not Advance.objects.exists()


def test_operator_sees_every_outstanding_advance(operator, lead, workshop):
    from payouts.services import advance_create

    own = make_household(workshop)
    other = make_household(make_workshop())
    for household in (own, other):
        advance_create(actor=operator, household_id=household.pk, amount="7", reason="预支")
    page = signed_in(operator).get("/ops/advances/").content.decode()
    assert page.count('class="card advance"') == 2
    assert "¥14.00" in page
    lead_page = signed_in(lead).get("/lead/advances/").content.decode()
    assert lead_page.count('class="card advance"') == 1


def test_merchant_sets_premiums_on_its_order_page(merchant):
    order = make_order(merchant=merchant)
    client = signed_in(merchant)
    assert client.get(f"/shop/orders/{order.pk}/premiums/").status_code == 200
    response = client.post(
        f"/shop/orders/{order.pk}/premiums/",
        {"first_pass_per_piece": "0.05", "on_time_per_piece": "0.0200"},
    )
    assert response.status_code == 302
    rule = OrderPremiumRule.objects.get(order=order)
    assert (str(rule.first_pass_per_piece), str(rule.on_time_per_piece)) == ("0.0500", "0.0200")


def test_another_merchants_order_is_404_and_a_lead_is_403(merchant, lead):
    other = make_order(merchant=make_user(User.Role.MERCHANT))
    response = signed_in(merchant).post(
        f"/shop/orders/{other.pk}/premiums/",
        {"first_pass_per_piece": "1", "on_time_per_piece": "0"},
    )
    assert response.status_code == 404
    assert signed_in(lead).get(f"/shop/orders/{other.pk}/premiums/").status_code == 403
    assert not OrderPremiumRule.objects.exists()


def test_period_page_shows_premiums_and_recoveries_apart(operator, workshop):
    from datetime import date

    from payouts.services import advance_create, period_compute, period_create, premium_rule_set

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
    page = signed_in(operator).get(f"/ops/payouts/{period.pk}/").content.decode()
    assert 'id="period-premium">¥1.00<' in page
    assert 'id="period-recovery">-¥3.00<' in page
    assert 'id="period-payable">¥8.00<' in page
