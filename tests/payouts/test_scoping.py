"""Leads see only their workshop's lines; accounts are masked everywhere but the export."""

import pytest

from accounts.models import User
from tests.factories import make_user, make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_workshops_period(api, operator, workshop):
    other = make_workshop()
    order = make_order(fee="0.5000")
    for w in (workshop, other):
        for household in make_households(w, 2):
            make_outcome(household, order, accepted=10)
    body = (
        api.as_user(operator)
        .post("/payouts/periods", {"starts_on": "2026-03-01", "ends_on": "2026-03-31"})
        .json()
    )
    return body["id"], other


def test_operator_sees_every_line_with_masked_accounts(api, operator, two_workshops_period):
    period_id, _other = two_workshops_period
    body = api.as_user(operator).get(f"/payouts/periods/{period_id}/lines").json()
    assert body["count"] == 4
    assert all(line["payment_account"].startswith("****") for line in body["items"])
    assert all(line["amount"] == "5.00" for line in body["items"])


def test_lead_sees_only_its_own_workshops_lines(api, lead, workshop, two_workshops_period):
    period_id, _other = two_workshops_period
    body = api.as_user(lead).get(f"/payouts/periods/{period_id}/lines").json()
    assert body["count"] == 2
    assert {line["workshop_id"] for line in body["items"]} == {workshop.pk}


def test_lead_cannot_filter_its_way_into_another_workshop(api, lead, two_workshops_period):
    period_id, other = two_workshops_period
    body = api.as_user(lead).get(f"/payouts/periods/{period_id}/lines?workshop_id={other.pk}")
    assert body.json()["count"] == 0


def test_lead_of_a_workshop_outside_the_periods_scope_gets_404(api, operator, workshop):
    other = make_workshop()
    body = (
        api.as_user(operator)
        .post(
            "/payouts/periods",
            {
                "starts_on": "2026-03-01",
                "ends_on": "2026-03-31",
                "scope": "workshop",
                "workshop_id": workshop.pk,
            },
        )
        .json()
    )
    response = api.as_user(other.lead).get(f"/payouts/periods/{body['id']}/lines")
    assert (response.status_code, response.json()["code"]) == (404, "payout_period_not_found")


def test_merchant_and_checker_cannot_read_lines(api, two_workshops_period, workshop):
    period_id, _other = two_workshops_period
    for user in (
        make_user(User.Role.MERCHANT),
        make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center),
    ):
        response = api.as_user(user).get(f"/payouts/periods/{period_id}/lines")
        assert response.status_code == 403, response.content
