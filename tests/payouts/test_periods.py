"""Each state change of a period, and each refusal with its code (nothing changed)."""

from datetime import date

import pytest

from payouts.models import LedgerEntry, PayoutPeriod, PayoutPeriodEvent, Statement
from tests.factories import make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db

MARCH = {"name": "三月", "starts_on": "2026-03-01", "ends_on": "2026-03-31"}


def test_operator_opens_and_computes_a_period(api, operator, workshop):
    (household,) = make_households(workshop, 1)
    make_outcome(household, make_order(fee="0.3500"), accepted=20)
    response = api.as_user(operator).post("/payouts/periods", MARCH)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["gross"], body["payable"], body["pieces"]) == (
        "computed",
        "7.00",
        "7.00",
        20,
    )
    assert body["task_id"] is None


def test_draft_only_when_compute_is_false(api, operator):
    response = api.as_user(operator).post("/payouts/periods", {**MARCH, "compute": False})
    assert (response.status_code, response.json()["status"]) == (201, "draft")


def test_overlapping_period_for_the_same_scope_is_409_and_not_created(api, operator):
    api.as_user(operator).post("/payouts/periods", MARCH)
    response = api.post(
        "/payouts/periods", {"name": "重叠", "starts_on": "2026-03-31", "ends_on": "2026-04-30"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "payout_period_overlaps"
    assert PayoutPeriod.objects.count() == 1


def test_overlap_with_another_scope_is_allowed(api, operator, workshop):
    api.as_user(operator).post("/payouts/periods", MARCH)
    response = api.post(
        "/payouts/periods", {**MARCH, "scope": "workshop", "workshop_id": workshop.pk}
    )
    assert response.status_code == 201


def test_end_before_start_is_400(api, operator):
    response = api.as_user(operator).post(
        "/payouts/periods", {"starts_on": "2026-03-31", "ends_on": "2026-03-01"}
    )
    assert (response.status_code, response.json()["code"]) == (400, "payout_period_range_invalid")
    assert not PayoutPeriod.objects.exists()


def test_scope_without_its_target_is_400(api, operator):
    response = api.as_user(operator).post("/payouts/periods", {**MARCH, "scope": "workshop"})
    assert (response.status_code, response.json()["code"]) == (400, "payout_period_scope_invalid")


def test_unknown_field_is_422(api, operator):
    response = api.as_user(operator).post("/payouts/periods", {**MARCH, "fee": "1"})
    assert response.status_code == 422


def test_lead_cannot_open_a_period(api, lead):
    response = api.as_user(lead).post("/payouts/periods", MARCH)
    assert (response.status_code, response.json()["code"]) == (403, "role_not_allowed")


def test_approving_a_draft_is_409(api, operator):
    period_id = (
        api.as_user(operator).post("/payouts/periods", {**MARCH, "compute": False}).json()["id"]
    )
    response = api.post(f"/payouts/periods/{period_id}/approve")
    assert (response.status_code, response.json()["code"]) == (409, "payout_period_not_computed")
    assert PayoutPeriod.objects.get(pk=period_id).status == "draft"


def test_paying_a_period_not_approved_is_409(api, operator, computed_period):
    response = api.as_user(operator).post(
        f"/payouts/periods/{computed_period.pk}/paid", {"payment_reference": "X"}
    )
    assert (response.status_code, response.json()["code"]) == (409, "payout_period_not_approved")
    assert not LedgerEntry.objects.exists()


def test_approve_locks_writes_ledger_and_statements_then_paid(
    api, operator, computed_period, tasks
):
    api.as_user(operator)
    response = api.post(f"/payouts/periods/{computed_period.pk}/approve")
    assert (response.status_code, response.json()["status"]) == (202, "approving")
    assert tasks.run() == 2  # the approval, then (on its commit) the leads' payout-ready notices
    assert api.get(f"/payouts/periods/{computed_period.pk}").json()["status"] == "approved"
    assert Statement.objects.filter(period=computed_period).count() == 3
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == {"merchant_charge", "household_payable"}
    response = api.post(f"/payouts/periods/{computed_period.pk}/paid", {"payment_reference": "B1"})
    assert (response.status_code, response.json()["status"]) == (200, "paid")
    payments = LedgerEntry.objects.filter(kind="household_payment")
    assert sum(payments.values_list("amount_fen", flat=True)) == -computed_period.households_fen
    steps = list(
        PayoutPeriodEvent.objects.filter(period=computed_period).values_list("to_status", flat=True)
    )
    assert steps == ["draft", "computing", "computed", "approving", "approved", "paid"]


def test_approving_twice_is_409_locked(api, operator, computed_period, tasks):
    api.as_user(operator).post(f"/payouts/periods/{computed_period.pk}/approve")
    tasks.run()
    response = api.post(f"/payouts/periods/{computed_period.pk}/approve")
    assert (response.status_code, response.json()["code"]) == (409, "payout_period_locked")
    assert Statement.objects.count() == 3


def test_recomputing_an_approved_period_is_409_locked_and_changes_nothing(
    api, operator, computed_period, tasks
):
    api.as_user(operator).post(f"/payouts/periods/{computed_period.pk}/approve")
    tasks.run()
    response = api.post(f"/payouts/periods/{computed_period.pk}/compute")
    assert (response.status_code, response.json()["code"]) == (409, "payout_period_locked")
    assert PayoutPeriod.objects.get(pk=computed_period.pk).status == "approved"


def test_paying_a_paid_period_again_is_409_locked(api, operator, computed_period, tasks):
    api.as_user(operator).post(f"/payouts/periods/{computed_period.pk}/approve")
    tasks.run()
    api.post(f"/payouts/periods/{computed_period.pk}/paid", {"payment_reference": "B1"})
    payments = LedgerEntry.objects.filter(kind="household_payment").count()
    response = api.post(f"/payouts/periods/{computed_period.pk}/paid", {"payment_reference": "B2"})
    assert (response.status_code, response.json()["code"]) == (409, "payout_period_locked")
    assert LedgerEntry.objects.filter(kind="household_payment").count() == payments
    assert PayoutPeriod.objects.get(pk=computed_period.pk).payment_reference == "B1"


def test_recompute_of_a_computed_draft_is_idempotent_through_the_api(
    api, operator, computed_period
):
    api.as_user(operator)
    before = api.get(f"/payouts/periods/{computed_period.pk}").json()
    response = api.post(f"/payouts/periods/{computed_period.pk}/compute")
    assert response.status_code == 200
    after = api.get(f"/payouts/periods/{computed_period.pk}").json()
    for key in ("gross", "households", "lead", "center", "pieces", "household_count"):
        assert before[key] == after[key]


def test_period_detail_reconciles_per_order_and_merchant(api, operator, computed_period):
    body = api.as_user(operator).get(f"/payouts/periods/{computed_period.pk}").json()
    reconciliation = body["reconciliation"]
    assert reconciliation["balanced"] is True
    assert reconciliation["differences"] == []
    (order,) = reconciliation["orders"]
    assert order["pieces"] == 147
    assert order["expected"] == order["owed"] == order["paid"] == "51.45"
    (merchant,) = reconciliation["merchants"]
    assert merchant["owed"] == "51.45"
    assert body["household_count"] == 3


def test_lead_cannot_read_the_period_detail(api, lead, computed_period):
    response = api.as_user(lead).get(f"/payouts/periods/{computed_period.pk}")
    assert response.status_code == 403


def test_unknown_period_is_404(api, operator):
    response = api.as_user(operator).post("/payouts/periods/999999/approve")
    assert (response.status_code, response.json()["code"]) == (404, "payout_period_not_found")


def test_region_scope_pays_only_that_centers_workshops(api, operator, workshop):
    (near,) = make_households(workshop, 1)
    (far,) = make_households(make_workshop(), 1)
    order = make_order(fee="1.0000")
    make_outcome(near, order, accepted=3)
    make_outcome(far, order, accepted=5)
    body = (
        api.as_user(operator)
        .post(
            "/payouts/periods",
            {
                **MARCH,
                "scope": "region",
                "region_id": workshop.organisation.service_center_id,
            },
        )
        .json()
    )
    assert (body["pieces"], body["gross"]) == (3, "3.00")
    assert date.fromisoformat(body["starts_on"]) == date(2026, 3, 1)


def test_operator_sets_a_workshops_shares(api, operator, workshop):
    response = api.as_user(operator).put(
        f"/payouts/workshops/{workshop.pk}/shares",
        {
            "lead_kind": "percent",
            "lead_value": "5",
            "center_kind": "per_piece",
            "center_value": "0.02",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["center_value"] == "0.0200"


def test_shares_over_one_hundred_percent_are_400(api, operator, workshop):
    response = api.as_user(operator).put(
        f"/payouts/workshops/{workshop.pk}/shares",
        {
            "lead_kind": "percent",
            "lead_value": "60",
            "center_kind": "percent",
            "center_value": "41",
        },
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "payout_share_invalid")


def test_lead_cannot_set_shares(api, lead, workshop):
    response = api.as_user(lead).put(
        f"/payouts/workshops/{workshop.pk}/shares", {}, content_type="application/json"
    )
    assert response.status_code == 403
