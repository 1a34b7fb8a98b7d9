"""Every model of the platform is in the admin, and an operator can use it."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from accounts.services import PLATFORM_APPS, operator_grant_admin

pytestmark = pytest.mark.django_db

PLATFORM_MODELS = [
    model for label in PLATFORM_APPS for model in apps.get_app_config(label).get_models()
]


INLINE_MODELS = {
    inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines
}


@pytest.mark.parametrize("model", PLATFORM_MODELS, ids=lambda m: m._meta.label)
def test_model_is_in_admin_on_its_own_or_inline(model):
    assert admin.site.is_registered(model) or model in INLINE_MODELS, (
        f"{model._meta.label} is neither registered nor an inline"
    )


def test_operator_can_open_every_changelist(operator):
    operator_grant_admin(user=operator)
    client = Client()
    client.force_login(operator)
    assert client.get("/admin/").status_code == 200
    for model in (m for m in PLATFORM_MODELS if admin.site.is_registered(m)):
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_lead_cannot_enter_admin(lead):
    client = Client()
    client.force_login(lead)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_only_operators_get_admin(lead):
    from accounts.services import RoleOrganisationMismatch

    with pytest.raises(RoleOrganisationMismatch):
        operator_grant_admin(user=lead)
    lead.refresh_from_db()
    assert not lead.is_staff
