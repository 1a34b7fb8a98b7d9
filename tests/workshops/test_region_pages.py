"""The operator's region pages: only operators; a repeated form makes one household."""

import uuid

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import make_household, make_skill, make_user, make_workshop
from workshops.models import Household, Skill

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["merchant", "lead", "checker", "trainer"])
def test_only_operators_open_the_region_pages(role):
    workshop = make_workshop()
    household = make_household(workshop)
    make_skill("raoxian", "绕线")
    client = signed_in(workshop.lead if role == "lead" else make_user(role))
    for url in (
        "/ops/region/",
        f"/ops/region/workshops/{workshop.pk}/",
        f"/ops/region/households/{household.pk}/",
        "/ops/skills/raoxian/",
        "/ops/users/",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post("/ops/skills/raoxian/", {"retire": "1"})
    assert response.status_code == 403
    assert Skill.objects.get(code="raoxian").retired_at is None


def test_a_repeated_household_form_registers_one_household():
    workshop = make_workshop()
    client = signed_in(make_user(User.Role.OPERATOR))
    form = {"name": "卓玛家", "members": 2, "phone": "", "key": str(uuid.uuid4())}
    url = f"/ops/region/workshops/{workshop.pk}/households/new/"
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert Household.objects.filter(workshop=workshop, name="卓玛家").count() == 1


def test_the_operator_finds_a_household_by_its_phone_tail():
    workshop = make_workshop()
    make_household(workshop, name="卓玛家", phone="13800001111")
    make_household(workshop, name="拉姆家", phone="13800002222")
    client = signed_in(make_user(User.Role.OPERATOR))
    page = client.get(f"/ops/region/workshops/{workshop.pk}/?q=2222").content.decode()
    assert "拉姆家" in page and "卓玛家" not in page
