"""A workshop's and a household's language and time zone (#14): set by an operator on the
region pages and the API (an unknown one is a 400 that changes nothing), followed by the
household's reads and the lead's preference; the lead's pages show times in local time."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy as _

from accounts.models import InboxItem, User
from accounts.notifications import notify_user
from accounts.preferences import user_locale_set
from tests.factories import make_household, make_service_center, make_user, make_workshop
from workshops.models import Household, HouseholdEvent, Workshop, WorkshopEvent
from workshops.selectors import (
    household_language,
    household_time_zone,
    user_time_zone,
    workshop_language,
    workshop_time_zone,
)
from workshops.services import workshop_locale_set

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_workshop_has_the_site_language_and_time_zone_and_its_households_follow():
    workshop = make_workshop()
    household = make_household(workshop)
    assert (workshop.language, workshop.time_zone) == ("zh-hans", "Asia/Shanghai")
    assert (household.language, household.time_zone) == ("", "")
    assert household_language(household) == "zh-hans"
    assert household_time_zone(household) == "Asia/Shanghai"


def test_operator_sets_a_workshops_language_and_zone_by_api_and_its_lead_follows(api, operator):
    workshop = make_workshop()
    response = api.as_user(operator).patch(
        f"/workshops/{workshop.pk}", {"language": "en", "time_zone": "Asia/Tashkent"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["language"], response.json()["time_zone"]) == ("en", "Asia/Tashkent")
    workshop.refresh_from_db()
    assert (workshop_language(workshop), workshop_time_zone(workshop)) == ("en", "Asia/Tashkent")
    event = WorkshopEvent.objects.get(workshop=workshop, kind=WorkshopEvent.Kind.EDITED)
    assert event.changes == {
        "language": ["zh-hans", "en"],
        "time_zone": ["Asia/Shanghai", "Asia/Tashkent"],
    }
    lead = User.objects.get(pk=workshop.lead_id)
    assert (lead.language, lead.time_zone) == ("en", "Asia/Tashkent")
    household = make_household(workshop)
    assert (household_language(household), household_time_zone(household)) == (
        "en",
        "Asia/Tashkent",
    )


def test_a_lead_who_chose_their_own_keeps_it(operator):
    workshop = make_workshop()
    user_locale_set(user=workshop.lead, language="zh-hans", time_zone="Asia/Urumqi")
    workshop_locale_set(
        actor=operator, workshop_id=workshop.pk, language="en", time_zone="Africa/Dakar"
    )
    lead = User.objects.get(pk=workshop.lead_id)
    assert (lead.language, lead.time_zone, lead.locale_own) == ("zh-hans", "Asia/Urumqi", True)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"language": "xx"}, "unknown_language"),
        ({"language": "ug"}, "unknown_language"),  # the RTL test catalogue is not shipped
        ({"language": ""}, "unknown_language"),  # a workshop always has one
        ({"time_zone": "Mars/Olympus"}, "unknown_time_zone"),
        ({"time_zone": "UTC+5"}, "unknown_time_zone"),
        ({"language": "en", "time_zone": "Asia/Tashkentt"}, "unknown_time_zone"),
    ],
)
def test_an_unknown_language_or_zone_is_a_400_that_changes_nothing(api, operator, payload, code):
    workshop = make_workshop()
    response = api.as_user(operator).patch(
        f"/workshops/{workshop.pk}", {**payload, "daily_capacity": 300}
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    workshop.refresh_from_db()
    assert (workshop.language, workshop.time_zone, workshop.daily_capacity) == (
        "zh-hans",
        "Asia/Shanghai",
        500,
    )
    assert not WorkshopEvent.objects.filter(workshop=workshop).exists()
    assert User.objects.get(pk=workshop.lead_id).language == ""


def test_a_lead_cannot_set_the_workshops_language(api):
    workshop = make_workshop()
    response = api.as_user(workshop.lead).patch(f"/workshops/{workshop.pk}", {"language": "en"})
    assert response.status_code == 403, response.content
    assert Workshop.objects.get(pk=workshop.pk).language == "zh-hans"


def test_operator_sets_a_households_language_and_zone_by_api(api, operator):
    workshop = make_workshop()
    household = make_household(workshop)
    client = api.as_user(operator)
    response = client.patch(
        f"/households/{household.pk}", {"language": "en", "time_zone": "Africa/Dakar"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["language"], response.json()["time_zone"]) == ("en", "Africa/Dakar")
    household.refresh_from_db()
    assert (household_language(household), household_time_zone(household)) == (
        "en",
        "Africa/Dakar",
    )
    assert HouseholdEvent.objects.filter(household=household, kind="edited").count() == 1

    bad = client.patch(f"/households/{household.pk}", {"language": "klingon", "name": "新名字"})
    assert (bad.status_code, bad.json()["code"]) == (400, "unknown_language")
    bad = client.patch(f"/households/{household.pk}", {"time_zone": "Europe/Nowhere"})
    assert (bad.status_code, bad.json()["code"]) == (400, "unknown_time_zone")
    household.refresh_from_db()
    assert (household.language, household.time_zone) == ("en", "Africa/Dakar")
    assert household.name != "新名字"

    # blank again: the workshop's
    response = client.patch(f"/households/{household.pk}", {"language": "", "time_zone": ""})
    assert response.status_code == 200, response.content
    household.refresh_from_db()
    assert (household_language(household), household_time_zone(household)) == (
        "zh-hans",
        "Asia/Shanghai",
    )


def test_operator_sets_them_on_the_region_pages_and_a_bad_zone_is_shown_on_its_field(operator):
    workshop = make_workshop()
    household = make_household(workshop)
    client = signed_in(operator)
    url = f"/ops/region/workshops/{workshop.pk}/locale/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"language": "en", "time_zone": "Nowhere/Land"})
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    assert Workshop.objects.get(pk=workshop.pk).language == "zh-hans"
    response = client.post(url, {"language": "en", "time_zone": "Asia/Tashkent"})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert (workshop.language, workshop.time_zone) == ("en", "Asia/Tashkent")
    assert "Asia/Tashkent" in client.get(f"/ops/region/workshops/{workshop.pk}/").content.decode()

    url = f"/ops/region/households/{household.pk}/locale/"
    page = client.get(url).content.decode()
    assert "Asia/Tashkent" in page  # the hint names the workshop's zone a blank follows
    response = client.post(url, {"language": "", "time_zone": "Africa/Dakar"})
    assert response.status_code == 302
    household = Household.objects.get(pk=household.pk)
    assert (household_language(household), household_time_zone(household)) == (
        "en",
        "Africa/Dakar",
    )


@pytest.mark.parametrize("role", ["merchant", "lead", "checker"])
def test_only_operators_open_the_locale_pages(role):
    workshop = make_workshop()
    household = make_household(workshop)
    client = signed_in(workshop.lead if role == "lead" else make_user(role))
    for url in (
        f"/ops/region/workshops/{workshop.pk}/locale/",
        f"/ops/region/households/{household.pk}/locale/",
    ):
        assert client.post(url, {"language": "en", "time_zone": "UTC"}).status_code == 403
    assert Workshop.objects.get(pk=workshop.pk).language == "zh-hans"


@pytest.mark.parametrize(
    ("zone", "shown"), [("Asia/Tashkent", "2026-03-01 06:30"), ("Africa/Dakar", "2026-03-01 01:30")]
)
def test_the_leads_pages_show_times_in_the_workshops_zone(operator, zone, shown):
    workshop = make_workshop()
    lead = workshop.lead
    InboxItem.objects.create(
        user=lead, kind="test", text="批次已到", created_at=datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    )
    page = signed_in(lead).get("/inbox/").content.decode()
    assert "2026-03-01 09:30" in page  # Asia/Shanghai, the site's zone

    workshop_locale_set(actor=operator, workshop_id=workshop.pk, time_zone=zone)
    lead.refresh_from_db()
    page = signed_in(lead).get("/inbox/").content.decode()
    assert shown in page
    assert "09:30" not in page


def test_a_lead_with_a_blank_preference_gets_the_workshops_zone():
    workshop = make_workshop()
    Workshop.objects.filter(pk=workshop.pk).update(time_zone="Africa/Dakar")
    assert User.objects.get(pk=workshop.lead_id).time_zone == ""
    assert user_time_zone(workshop.lead) == "Africa/Dakar"
    assert user_time_zone(make_user(User.Role.MERCHANT)) == "Asia/Shanghai"


def test_notices_to_a_lead_are_in_their_language(operator):
    workshop = make_workshop()
    notify_user(user=workshop.lead, kind="test", text=_("已保存。"))
    workshop_locale_set(actor=operator, workshop_id=workshop.pk, language="en")
    lead = User.objects.get(pk=workshop.lead_id)
    notify_user(user=lead, kind="test", text=_("已保存。"))
    texts = InboxItem.objects.filter(user=lead).order_by("pk").values_list("text", flat=True)
    assert list(texts) == ["已保存。", "Saved."]


def test_a_lead_chooses_their_own_by_api_and_the_workshops_change_leaves_it(api, operator):
    workshop = make_workshop()
    client = api.as_user(workshop.lead)
    bad = client.put("/me/locale", {"language": "en", "time_zone": "Asia/Urumqii"})
    assert (bad.status_code, bad.json()["code"]) == (400, "unknown_time_zone")
    assert User.objects.get(pk=workshop.lead_id).locale_own is False
    response = client.put("/me/locale", {"language": "en", "time_zone": "Asia/Urumqi"})
    assert response.status_code == 200, response.content
    assert response.json() == {"language": "en", "time_zone": "Asia/Urumqi", "own": True}
    api.as_user(operator).patch(
        f"/workshops/{workshop.pk}", {"language": "zh-hans", "time_zone": "Africa/Dakar"}
    )
    lead = User.objects.get(pk=workshop.lead_id)
    assert (lead.language, lead.time_zone) == ("en", "Asia/Urumqi")
    assert user_time_zone(lead) == "Asia/Urumqi"


def test_a_workshop_is_registered_with_its_language_and_zone_by_api_and_a_bad_one_writes_nothing(
    api, operator
):
    center = make_service_center()
    body = {
        "name": "达喀尔工坊",
        "province": "Dakar",
        "county": "Rufisque",
        "service_center_id": center.pk,
        "daily_capacity": 300,
    }
    before = Workshop.objects.count()
    refused = api.as_user(operator).post("/workshops", {**body, "time_zone": "Nowhere/Land"})
    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_time_zone")
    refused = api.as_user(operator).post("/workshops", {**body, "language": "xx"})
    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_language")
    assert Workshop.objects.count() == before

    made = api.as_user(operator).post(
        "/workshops", {**body, "language": "fr", "time_zone": "Africa/Dakar"}
    )
    assert made.status_code == 201, made.content
    assert (made.json()["language"], made.json()["time_zone"]) == ("fr", "Africa/Dakar")
    plain = api.as_user(operator).post("/workshops", {**body, "name": "另一个工坊"})
    assert (plain.json()["language"], plain.json()["time_zone"]) == ("zh-hans", "Asia/Shanghai")


def test_the_new_workshop_page_takes_its_language_and_zone(operator):
    center = make_service_center()
    client = signed_in(operator)
    url = f"/ops/region/centres/{center.pk}/workshops/new/"
    page = client.get(url).content.decode()
    assert 'name="language"' in page and 'name="time_zone"' in page
    form = {
        "name": "塔什干工坊",
        "province": "Tashkent",
        "county": "Yunusobod",
        "daily_capacity": 200,
        "key": "6f1c1b9e-0b8f-4a53-9d59-0d8a4a0e0c11",
        "language": "en",
        "time_zone": "Asia/Tashkent_",
    }
    response = client.post(url, form)
    assert response.status_code == 200 and response.context["form"].errors["time_zone"]
    assert not Workshop.objects.filter(organisation__name="塔什干工坊").exists()
    response = client.post(url, {**form, "time_zone": "Asia/Tashkent"})
    assert response.status_code == 302
    workshop = Workshop.objects.get(organisation__name="塔什干工坊")
    assert (workshop.language, workshop.time_zone) == ("en", "Asia/Tashkent")
