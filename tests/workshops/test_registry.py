import pytest

from tests.conftest import ApiClient
from tests.factories import make_household, make_service_center, make_skill, make_workshop
from workshops.models import Household, Workshop, WorkshopSkill

pytestmark = pytest.mark.django_db


def test_an_operator_registers_a_workshop_and_a_lead_sees_only_their_own(api, operator):
    center = make_service_center(name="丹巴中心")
    make_skill("raoxian")
    response = api.as_user(operator).post(
        "/workshops",
        {
            "name": "卓斯尼村共富工坊",
            "province": "四川",
            "county": "丹巴县",
            "village": "卓斯尼村",
            "service_center_id": center.pk,
            "daily_capacity": 800,
            "skills": {"raoxian": 3},
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["skills"][0]["level"] == 3
    other = make_workshop()
    ids = [w["id"] for w in ApiClient().as_user(other.lead).get("/workshops").json()["items"]]
    assert ids == [other.pk]


def test_unknown_skills_are_400_and_nothing_is_registered(api, operator):
    center = make_service_center()
    response = api.as_user(operator).post(
        "/workshops",
        {
            "name": "某工坊",
            "province": "四川",
            "county": "丹巴县",
            "service_center_id": center.pk,
            "daily_capacity": 100,
            "skills": {"feixing": 1},
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_skill"
    assert not Workshop.objects.exists()


def test_households_are_masked_in_every_list(api, workshop):
    make_household(workshop, phone="13812345678", payment_account="6217000011112222333")
    item = api.as_user(workshop.lead).get(f"/workshops/{workshop.pk}/households").json()["items"][0]
    assert item["phone"] == "138****5678"
    assert item["payment_account"] == "****2333"


def test_a_lead_cannot_see_or_add_households_of_another_workshop(api, workshop):
    other = make_workshop()
    make_household(other, name="别家")
    client = api.as_user(workshop.lead)
    assert client.get(f"/workshops/{other.pk}/households").status_code == 404
    response = client.post(f"/workshops/{other.pk}/households", {"name": "冒名"})
    assert response.status_code == 404
    assert not Household.objects.filter(name="冒名").exists()


def test_an_operator_suspends_and_reactivates_a_workshop(api, operator, workshop):
    client = api.as_user(operator)
    response = client.post(f"/workshops/{workshop.pk}/suspend")
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    again = client.post(f"/workshops/{workshop.pk}/suspend")
    assert again.status_code == 409
    assert again.json()["code"] == "workshop_status_unchanged"
    assert client.post(f"/workshops/{workshop.pk}/activate").json()["status"] == "active"


def test_a_lead_cannot_suspend_a_workshop(api, workshop):
    response = api.as_user(workshop.lead).post(f"/workshops/{workshop.pk}/suspend")
    assert response.status_code == 403
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.ACTIVE


def test_an_operator_updates_capacity_and_skills_with_a_reason(api, operator, workshop):
    make_skill("dajie")
    response = api.as_user(operator).patch(
        f"/workshops/{workshop.pk}",
        {"daily_capacity": 650, "skills": {"raoxian": 3, "dajie": 1}, "reason": "现场核验"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 650
    assert dict(
        WorkshopSkill.objects.filter(workshop=workshop).values_list("skill__code", "level")
    ) == {"raoxian": 3, "dajie": 1}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"daily_capacity": 0}, "capacity_not_positive"),
        ({"skills": {"raoxian": 7}, "reason": "核验"}, "skill_level_invalid"),
        ({"skills": {"feixing": 1}, "reason": "核验"}, "unknown_skill"),
        ({"skills": {"raoxian": 3}}, "skill_change_reason_required"),
        ({"daily_capacity": 900, "skills": {"raoxian": 3}}, "skill_change_reason_required"),
    ],
)
def test_bad_workshop_updates_are_400_and_change_nothing(api, operator, workshop, body, code):
    response = api.as_user(operator).patch(
        f"/workshops/{workshop.pk}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 500
    assert list(workshop.skill_levels.values_list("skill__code", "level")) == [("raoxian", 2)]


def test_a_lead_cannot_update_another_workshop(api, workshop):
    other = make_workshop()
    response = api.as_user(workshop.lead).patch(
        f"/workshops/{other.pk}", {"daily_capacity": 1}, content_type="application/json"
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.daily_capacity == 500


def test_the_skill_catalogue_is_readable(api, merchant):
    make_skill("gouzhen", "钩针")
    codes = [s["code"] for s in api.as_user(merchant).get("/skills").json()]
    assert "gouzhen" in codes
