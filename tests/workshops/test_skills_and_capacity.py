"""A lead cannot raise its own eligibility: skills come from certification or an operator (with a
reason, recorded); a lead's capacity change is recorded, and a large one waits for an operator."""

from datetime import date

import pytest
from django.test import Client

from accounts.services import operator_grant_admin
from orders.models import Batch
from tests.factories import make_household, make_skill, make_workshop
from tests.orders.factories import first_batch, make_published_order
from workshops.models import Workshop, WorkshopCapacityChange, WorkshopSkill, WorkshopSkillChange
from workshops.services import household_skill_certify

pytestmark = pytest.mark.django_db


def patch(api, user, workshop, body):
    return api.as_user(user).patch(
        f"/workshops/{workshop.pk}", body, content_type="application/json"
    )


def skills_of(workshop: Workshop) -> dict[str, int]:
    return dict(WorkshopSkill.objects.filter(workshop=workshop).values_list("skill__code", "level"))


def with_households(workshop: Workshop, count: int) -> Workshop:
    for _ in range(count):
        make_household(workshop)
    return workshop


# --- skills ----------------------------------------------------------------------------------


def test_a_lead_cannot_give_its_workshop_a_skill_to_claim_a_batch(api):
    """The reported hole: refused with skill_missing, the lead patched the skill in, then won."""
    workshop = make_workshop(skills={"raoxian": 2})
    batch = first_batch(make_published_order(skills=("gouzhen",)))
    lead = api.as_user(workshop.lead)
    assert lead.post(f"/batches/{batch.pk}/claim").json()["code"] == "skill_missing"
    response = patch(api, workshop.lead, workshop, {"skills": {"raoxian": 2, "gouzhen": 3}})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "workshop_skills_by_certification"
    assert skills_of(workshop) == {"raoxian": 2}
    again = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert again.json()["code"] == "skill_missing"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN
    assert not WorkshopSkillChange.objects.exists()


def test_a_lead_sending_skills_with_capacity_changes_nothing(api, workshop):
    with_households(workshop, 10)
    response = patch(api, workshop.lead, workshop, {"daily_capacity": 550, "skills": {}})
    assert response.status_code == 403
    workshop.refresh_from_db()
    assert (workshop.daily_capacity, skills_of(workshop)) == (500, {"raoxian": 2})
    assert not WorkshopCapacityChange.objects.exists()


def test_an_operator_replace_keeps_certified_skills_and_records_each_change(
    api, operator, workshop
):
    household = make_household(workshop)
    household_skill_certify(
        household_id=household.pk,
        skill=make_skill("gouzhen"),
        level=3,
        certified_on=date(2026, 3, 1),
    )
    assert skills_of(workshop) == {"raoxian": 2, "gouzhen": 3}
    make_skill("dajie")
    response = patch(
        api, operator, workshop, {"skills": {"dajie": 1, "gouzhen": 1}, "reason": "复核技能档案"}
    )
    assert response.status_code == 200, response.content
    assert skills_of(workshop) == {"dajie": 1, "gouzhen": 3}
    history = {
        (c.skill.code, c.from_level, c.to_level, c.source, c.reason)
        for c in WorkshopSkillChange.objects.filter(workshop=workshop).select_related("skill")
    }
    assert history == {
        ("gouzhen", None, 3, "certification", ""),
        ("raoxian", 2, None, "operator", "复核技能档案"),
        ("dajie", None, 1, "operator", "复核技能档案"),
    }
    listed = api.as_user(workshop.lead).get(f"/workshops/{workshop.pk}/skill-changes").json()
    assert {item["skill"] for item in listed["items"]} == {"gouzhen", "raoxian", "dajie"}
    assert {item["actor"] for item in listed["items"] if item["source"] == "operator"} == {
        str(operator)
    }


# --- capacity ----------------------------------------------------------------------------------


def test_a_lead_cannot_set_a_capacity_of_a_million(api, workshop):
    """The reported hole: 1,000,000 pieces a day accepted from a lead, and applied at once."""
    with_households(workshop, 3)
    response = patch(api, workshop.lead, workshop, {"daily_capacity": 1_000_000})
    assert response.status_code in {200, 400, 422}, response.content
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 500
    assert not WorkshopCapacityChange.objects.filter(status="applied").exists()


def test_a_lead_capacity_change_within_the_bound_applies_and_is_recorded(api, workshop):
    with_households(workshop, 10)  # bound: min(2 × 500, 10 × 60) = 600
    response = patch(api, workshop.lead, workshop, {"daily_capacity": 600, "reason": "新农户"})
    assert response.status_code == 200, response.content
    assert (response.json()["daily_capacity"], response.json()["pending_daily_capacity"]) == (
        600,
        None,
    )
    change = WorkshopCapacityChange.objects.get(workshop=workshop)
    assert (change.from_capacity, change.to_capacity, change.status, change.reason) == (
        500,
        600,
        "applied",
        "新农户",
    )
    assert change.requested_by == workshop.lead
    down = patch(api, workshop.lead, workshop, {"daily_capacity": 200})
    assert down.json()["daily_capacity"] == 200


def test_a_lead_large_increase_waits_for_an_operator_who_confirms_it(api, operator, workshop):
    with_households(workshop, 10)
    response = patch(api, workshop.lead, workshop, {"daily_capacity": 601, "reason": "扩大规模"})
    assert response.status_code == 200, response.content
    assert (response.json()["daily_capacity"], response.json()["pending_daily_capacity"]) == (
        500,
        601,
    )
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 500
    change = WorkshopCapacityChange.objects.get(workshop=workshop)
    assert change.status == "pending"
    path = f"/workshops/{workshop.pk}/capacity-changes/{change.pk}/confirm"
    refused = api.as_user(workshop.lead).post(path, {})
    assert refused.status_code == 403
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 500
    confirmed = api.as_user(operator).post(path, {"note": "已现场核实"})
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["status"], confirmed.json()["decided_by"]) == (
        "confirmed",
        str(operator),
    )
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 601
    twice = api.as_user(operator).post(path, {})
    assert (twice.status_code, twice.json()["code"]) == (409, "capacity_change_not_pending")


def test_an_operator_rejects_a_pending_increase_with_a_reason(api, operator, workshop):
    patch(api, workshop.lead, workshop, {"daily_capacity": 5000})
    change = WorkshopCapacityChange.objects.get(workshop=workshop, status="pending")
    path = f"/workshops/{workshop.pk}/capacity-changes/{change.pk}/reject"
    no_reason = api.as_user(operator).post(path, {"reason": "  "})
    assert (no_reason.status_code, no_reason.json()["code"]) == (
        400,
        "capacity_decision_reason_required",
    )
    rejected = api.as_user(operator).post(path, {"reason": "农户数不足"})
    assert rejected.json()["status"] == "rejected"
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 500
    listed = api.as_user(workshop.lead).get(f"/workshops/{workshop.pk}/capacity-changes").json()
    assert [(c["to_capacity"], c["decision_note"]) for c in listed["items"]] == [
        (5000, "农户数不足")
    ]


def test_a_new_request_supersedes_the_pending_one(api, workshop):
    patch(api, workshop.lead, workshop, {"daily_capacity": 5000})
    patch(api, workshop.lead, workshop, {"daily_capacity": 4000})
    changes = WorkshopCapacityChange.objects.filter(workshop=workshop)
    statuses = dict(changes.values_list("to_capacity", "status"))
    assert statuses == {5000: "superseded", 4000: "pending"}


def test_an_operator_capacity_change_applies_at_once_and_is_recorded(api, operator, workshop):
    response = patch(api, operator, workshop, {"daily_capacity": 20_000, "reason": "扩建厂房"})
    assert response.json()["daily_capacity"] == 20_000
    change = WorkshopCapacityChange.objects.get(workshop=workshop)
    assert (change.status, change.requested_by) == ("applied", operator)


def test_an_operator_confirms_in_the_admin(api, operator, workshop):
    patch(api, workshop.lead, workshop, {"daily_capacity": 5000})
    change = WorkshopCapacityChange.objects.get(workshop=workshop)
    operator_grant_admin(user=operator)
    client = Client()
    client.force_login(operator)
    client.post(
        "/admin/workshops/workshopcapacitychange/",
        {"action": "confirm", "_selected_action": [change.pk]},
    )
    workshop.refresh_from_db()
    change.refresh_from_db()
    assert (workshop.daily_capacity, change.status) == (5000, "confirmed")
    assert change.decided_by == operator
