"""An operator sets up a region through the API: service centers, workshops, households,
users, the skill catalogue and a workshop's lead. Other roles are refused and nothing changes."""

import pytest

from accounts.models import Organisation, User
from tests.factories import (
    make_household,
    make_service_center,
    make_skill,
    make_user,
    make_workshop,
)
from workshops.models import Household, HouseholdEvent, Skill, Workshop, WorkshopEvent

pytestmark = pytest.mark.django_db


def counts():
    return (
        Organisation.objects.count(),
        User.objects.count(),
        Household.objects.count(),
        Skill.objects.count(),
        WorkshopEvent.objects.count(),
        HouseholdEvent.objects.count(),
    )


def test_operator_registers_a_service_center_and_a_duplicate_is_409(api, operator):
    body = {"name": "甘孜州服务中心", "province": "四川", "county": "康定市"}
    first = api.as_user(operator).post("/service-centers", body)
    assert first.status_code == 201, first.content
    assert first.json()["region"] == "四川 康定市"
    again = api.post("/service-centers", body)
    assert again.status_code == 409 and again.json()["code"] == "service_center_name_taken"
    assert Organisation.objects.filter(kind="service_center").count() == 1


def test_the_same_key_returns_the_same_center(api, operator):
    body = {
        "name": "阿坝服务中心",
        "province": "四川",
        "key": "7b0f3a7e-1f7c-4b0e-9a53-3f1e0b7a1c11",
    }
    one = api.as_user(operator).post("/service-centers", body).json()
    two = api.post("/service-centers", body).json()
    assert one["id"] == two["id"]


def test_operator_renames_a_center(api, operator):
    center = make_service_center(name="旧名")
    response = api.as_user(operator).patch(f"/service-centers/{center.pk}", {"name": "新名"})
    assert response.status_code == 200 and response.json()["name"] == "新名"


@pytest.mark.parametrize("role", ["merchant", "lead", "checker", "trainer"])
def test_other_roles_may_not_set_up_a_region(api, role):
    workshop = make_workshop()
    household = make_household(workshop)
    user = workshop.lead if role == "lead" else make_user(role)
    center = workshop.organisation.service_center
    before = counts()
    client = api.as_user(user)
    calls = [
        client.post("/service-centers", {"name": "某中心", "province": "四川"}),
        client.patch(f"/service-centers/{center.pk}", {"name": "改名中心"}),
        client.post("/users", {"username": "x_new", "role": "lead", "organisation_id": 1}),
        client.post("/skills", {"code": "zhibu", "name": "织布"}),
        client.patch("/skills/raoxian", {"name": "改名"}),
        client.post("/skills/raoxian/retire"),
        client.post(f"/workshops/{workshop.pk}/lead", {"user_id": user.pk, "reason": "r"}),
        client.patch(f"/households/{household.pk}", {"name": "改名"}),
        client.post(f"/households/{household.pk}/deactivate", {"reason": "r"}),
        client.get("/users"),
        client.get("/service-centers"),
    ]
    for response in calls:
        assert response.status_code in {403, 404}, response.content
        if response.status_code == 403:
            assert response.json()["code"] == "role_not_allowed"
    assert counts() == before
    household.refresh_from_db()
    assert household.is_active and household.name != "改名"


def test_operator_creates_a_lead_and_makes_them_the_workshops_lead(api, operator):
    workshop = make_workshop()
    old = workshop.lead
    created = api.as_user(operator).post(
        "/users",
        {
            "username": "lead_new",
            "role": "lead",
            "organisation_id": workshop.organisation_id,
            "display_name": "新带头人",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["password_link"]["url"].startswith("http://testserver/set-password/")
    assert created.json()["has_password"] is False
    lead_id = created.json()["id"]
    response = api.post(
        f"/workshops/{workshop.pk}/lead", {"user_id": lead_id, "reason": "原带头人外出务工"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["workshop"]["lead"] == "新带头人"
    workshop.refresh_from_db()
    old.refresh_from_db()
    assert workshop.lead_id == lead_id
    assert not old.is_active  # the old lead lost the workshop
    event = WorkshopEvent.objects.get(workshop=workshop, kind="lead_assigned")
    assert (event.from_lead, event.to_lead_id, event.actor, event.reason) == (
        old,
        lead_id,
        operator,
        "原带头人外出务工",
    )


def test_a_new_lead_made_on_the_spot_gets_a_link(api, operator):
    workshop = make_workshop(with_lead=False)
    response = api.as_user(operator).post(
        f"/workshops/{workshop.pk}/lead",
        {"new_lead": {"username": "lead_spot", "display_name": "当场"}, "reason": "新工坊"},
    )
    assert response.status_code == 200, response.content
    assert "/set-password/" in response.json()["password_link"]
    workshop.refresh_from_db()
    assert workshop.lead.username == "lead_spot" and workshop.lead.role == "lead"


@pytest.mark.parametrize(
    ("who", "code"),
    [("other_org", "lead_not_in_workshop"), ("checker", "lead_not_in_workshop")],
)
def test_a_lead_from_elsewhere_is_refused_and_nothing_changes(api, operator, who, code):
    workshop = make_workshop()
    lead = workshop.lead
    other = make_workshop().lead if who == "other_org" else make_user(User.Role.CHECKER)
    before = counts()
    response = api.as_user(operator).post(
        f"/workshops/{workshop.pk}/lead", {"user_id": other.pk, "reason": "试"}
    )
    assert response.status_code == 400 and response.json()["code"] == code
    workshop.refresh_from_db()
    assert workshop.lead == lead and counts() == before


def test_changing_the_lead_needs_a_reason(api, operator):
    workshop = make_workshop()
    spare = make_user(User.Role.LEAD, organisation=workshop.organisation)
    response = api.as_user(operator).post(
        f"/workshops/{workshop.pk}/lead", {"user_id": spare.pk, "reason": " "}
    )
    assert response.json()["code"] == "lead_change_reason_required"


def test_a_duplicate_username_is_409(api, operator):
    center = make_service_center()
    make_user(User.Role.CHECKER, organisation=center, username="taken")
    response = api.as_user(operator).post(
        "/users", {"username": "taken", "role": "checker", "organisation_id": center.pk}
    )
    assert response.status_code == 409 and response.json()["code"] == "username_taken"


def test_a_role_in_the_wrong_kind_of_organisation_is_400(api, operator):
    center = make_service_center()
    response = api.as_user(operator).post(
        "/users", {"username": "shop_x", "role": "merchant", "organisation_id": center.pk}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "role_organisation_mismatch"
    assert not User.objects.filter(username="shop_x").exists()


def test_workshop_name_taken_is_409_and_edits_are_recorded(api, operator):
    center = make_service_center()
    first = make_workshop(service_center=center, name="甲工坊")
    make_workshop(service_center=center, name="乙工坊")
    client = api.as_user(operator)
    taken = client.patch(f"/workshops/{first.pk}", {"name": "乙工坊"})
    assert taken.status_code == 409 and taken.json()["code"] == "workshop_name_taken"
    moved = client.patch(f"/workshops/{first.pk}", {"name": "甲村工坊", "village": "甲村"})
    assert moved.status_code == 200 and moved.json()["name"] == "甲村工坊"
    event = WorkshopEvent.objects.get(workshop=first, kind="edited")
    assert event.changes["name"] == ["甲工坊", "甲村工坊"] and event.actor == operator


def test_a_lead_may_not_rename_its_workshop(api):
    workshop = make_workshop(name="原名工坊")
    response = api.as_user(workshop.lead).patch(
        f"/workshops/{workshop.pk}", {"name": "自改", "daily_capacity": 400}
    )
    assert response.status_code == 403
    workshop.refresh_from_db()
    assert workshop.name == "原名工坊" and workshop.daily_capacity == 500


def test_suspending_is_recorded_and_twice_is_409(api, operator):
    workshop = make_workshop()
    client = api.as_user(operator)
    assert client.post(f"/workshops/{workshop.pk}/suspend").status_code == 200
    again = client.post(f"/workshops/{workshop.pk}/suspend")
    assert again.status_code == 409 and again.json()["code"] == "workshop_status_unchanged"
    assert WorkshopEvent.objects.filter(workshop=workshop, kind="suspended").count() == 1


def test_households_are_edited_deactivated_with_a_reason_and_never_deleted(api, operator):
    workshop = make_workshop()
    household = make_household(workshop, name="卓玛家", payment_account="6217000011112222333")
    client = api.as_user(operator)
    edited = client.patch(
        f"/households/{household.pk}",
        {"payment_account": "6228000099998888777", "reason": "换了银行卡"},
    )
    assert edited.status_code == 200, edited.content
    event = HouseholdEvent.objects.get(household=household, kind="edited")
    assert event.changes["payment_account"][1].endswith("8777")
    assert "6228000099998888777" not in str(event.changes)  # masked in the record
    no_reason = client.post(f"/households/{household.pk}/deactivate", {})
    assert no_reason.json()["code"] == "household_reason_required"
    off = client.post(f"/households/{household.pk}/deactivate", {"reason": "搬走了"})
    assert off.status_code == 200 and off.json()["is_active"] is False
    twice = client.post(f"/households/{household.pk}/deactivate", {"reason": "再来"})
    assert twice.status_code == 409 and twice.json()["code"] == "household_status_unchanged"
    assert Household.objects.filter(pk=household.pk).exists()
    listed = client.get(f"/workshops/{workshop.pk}/households").json()["items"]
    assert household.pk not in [h["id"] for h in listed]
    back = client.post(f"/households/{household.pk}/reactivate", {})
    assert back.status_code == 200 and back.json()["is_active"] is True


def test_household_create_with_the_same_key_is_one_household(api, operator):
    workshop = make_workshop()
    body = {"name": "拉姆家", "key": "0b7c6c1e-8a49-4d2c-9f0f-2f6e1c9d3a10"}
    client = api.as_user(operator)
    one = client.post(f"/workshops/{workshop.pk}/households", body)
    two = client.post(f"/workshops/{workshop.pk}/households", body)
    assert one.json()["id"] == two.json()["id"]
    assert Household.objects.filter(workshop=workshop).count() == 1


def test_the_skill_catalogue_add_rename_retire(api, operator, merchant):
    client = api.as_user(operator)
    added = client.post("/skills", {"code": "zhibu", "name": "织布", "name_en": "Weaving"})
    assert added.status_code == 201
    dup = client.post("/skills", {"code": "zhibu", "name": "织布二"})
    assert dup.status_code == 409 and dup.json()["code"] == "skill_code_taken"
    renamed = client.patch("/skills/zhibu", {"name": "手工织布"})
    assert renamed.json()["name"] == "手工织布"
    retired = client.post("/skills/zhibu/retire")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert client.post("/skills/zhibu/retire").json()["code"] == "skill_already_retired"
    assert "zhibu" not in [s["code"] for s in client.get("/skills").json()]
    assert "zhibu" in [s["code"] for s in client.get("/skills?include_retired=true").json()]
    # Nothing new may name a retired skill.
    from workshops.services import SkillRetired, skills_by_code

    with pytest.raises(SkillRetired):
        skills_by_code(["zhibu"])


def test_a_retired_skill_stays_on_a_workshop_that_has_it(api, operator):
    make_skill("raoxian", "绕线")
    workshop = make_workshop(skills={"raoxian": 2})
    client = api.as_user(operator)
    client.post("/skills/raoxian/retire")
    kept = client.patch(f"/workshops/{workshop.pk}", {"skills": {"raoxian": 2}, "reason": "核对"})
    assert kept.status_code == 200, kept.content
    other = make_workshop(skills={"dajie": 1})
    added = client.patch(f"/workshops/{other.pk}", {"skills": {"raoxian": 1}, "reason": "加"})
    assert added.status_code == 400 and added.json()["code"] == "skill_retired"
    assert Workshop.objects.get(pk=other.pk).skill_levels.count() == 1
