"""A new password or a deactivation ends every bearer token of the user at once, cached or not,
whichever way it was made: a service, the admin, manage.py changepassword, a shell."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client

from accounts.models import ApiToken, User
from accounts.services import api_token_issue, operator_grant_admin, user_deactivate
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=["cached", "uncached"])
def token_cache(request, settings):
    """Every test runs with the 30 s token cache on (as with Redis) and off."""
    from django.core.cache import cache

    settings.API_TOKEN_CACHE_SECONDS = 60 if request.param == "cached" else 0
    cache.clear()
    yield request.param
    cache.clear()


def _signed_in_phones(user: User, api, count: int = 2) -> list[dict[str, str]]:
    """Headers of ``count`` phones of ``user``, each token used once (so cached when on)."""
    phones = []
    for n in range(count):
        _, raw = api_token_issue(user=user, name=f"phone-{n}")
        headers = {"Authorization": f"Bearer {raw}"}
        assert api.get("/me", headers=headers).status_code == 200
        phones.append(headers)
    return phones


def _assert_signed_out(api, phones, code: str) -> None:
    for headers in phones:
        response = api.get("/me", headers=headers)
        assert response.status_code == 401, response.content
        assert response.json()["code"] == code
        assert set(response.json()) == {"code", "message", "detail"}


def test_set_password_and_save_revokes_every_token_at_once(api, token_cache):
    lead = make_user(User.Role.LEAD)
    phones = _signed_in_phones(lead, api)
    lead.set_password(NEW_PASSWORD)
    lead.save()
    _assert_signed_out(api, phones, "token_revoked")
    assert not ApiToken.objects.filter(user=lead, revoked_at__isnull=True).exists()


def test_a_token_issued_after_the_new_password_works(api, token_cache):
    lead = make_user(User.Role.LEAD, username="lead-new-pw")
    _signed_in_phones(lead, api)
    lead.set_password(NEW_PASSWORD)
    lead.save()
    response = api.post("/auth/token", {"username": "lead-new-pw", "password": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    assert api.get("/me", headers=headers).status_code == 200
    assert api.get("/me", headers=headers).status_code == 200


def test_password_written_around_every_hook_still_ends_the_token(token_cache):
    """A raw UPDATE calls no Python at all: the token's credential hash no longer matches,
    at once without the token cache, when its entry expires with it."""
    from django.core.cache import cache

    from accounts.services import TokenRevoked, api_token_authenticate

    lead = make_user(User.Role.LEAD)
    token, raw = api_token_issue(user=lead)
    assert api_token_authenticate(raw_key=raw).pk == lead.pk
    User.objects.filter(pk=lead.pk).update(password=make_password(NEW_PASSWORD))
    if token_cache == "cached":
        cache.delete("accounts:token:" + token.key_hash)  # API_TOKEN_CACHE_SECONDS later
    with pytest.raises(TokenRevoked):
        api_token_authenticate(raw_key=raw)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_manage_py_changepassword_revokes_tokens(api, token_cache, monkeypatch):
    from django.contrib.auth.management.commands import changepassword

    lead = make_user(User.Role.LEAD)
    phones = _signed_in_phones(lead, api)
    monkeypatch.setattr(changepassword.getpass, "getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", lead.username, stdout=None)
    lead.refresh_from_db()
    assert lead.check_password(NEW_PASSWORD)
    _assert_signed_out(api, phones, "token_revoked")


def test_admin_password_form_revokes_tokens(api, token_cache, operator):
    lead = make_user(User.Role.LEAD)
    phones = _signed_in_phones(lead, api)
    operator_grant_admin(user=operator)
    admin = Client()
    admin.force_login(operator)
    response = admin.post(
        f"/admin/accounts/user/{lead.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    lead.refresh_from_db()
    assert lead.check_password(NEW_PASSWORD)
    _assert_signed_out(api, phones, "token_revoked")


def test_deactivating_through_the_service_revokes_every_token_at_once(api, token_cache):
    lead = make_user(User.Role.LEAD)
    phones = _signed_in_phones(lead, api)
    user_deactivate(user=lead)
    # Revoked, cached or not (the database path says the user is gone: token_invalid).
    for headers in phones:
        assert api.get("/me", headers=headers).status_code == 401
    assert not ApiToken.objects.filter(user=lead, revoked_at__isnull=True).exists()
    assert not User.objects.get(pk=lead.pk).is_active


def _post_data(form) -> dict:
    """What a browser would send back for an admin form left as it is."""
    from django import forms

    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value, widget = bound.value(), bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else part
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = "" if value is None else value
    return data


def test_unticking_active_in_the_admin_revokes_every_token_at_once(api, token_cache, operator):
    lead = make_user(User.Role.LEAD, display_name="余鑫", phone="13800000000")
    phones = _signed_in_phones(lead, api)
    operator_grant_admin(user=operator)
    admin = Client()
    admin.force_login(operator)
    url = f"/admin/accounts/user/{lead.pk}/change/"
    data = _post_data(admin.get(url).context["adminform"].form)
    assert data.pop("is_active") == "on"
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=lead.pk).is_active
    for headers in phones:
        assert api.get("/me", headers=headers).status_code == 401
    assert not ApiToken.objects.filter(user=lead, revoked_at__isnull=True).exists()


def test_a_deactivated_user_is_signed_out_of_page_sessions_too(lead):
    browser = Client()
    browser.force_login(lead)
    assert browser.get("/me/").status_code == 200
    assert browser.get("/api/v1/me").status_code == 200
    user_deactivate(user=lead)
    response = browser.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert browser.get("/api/v1/me").status_code == 401


def test_a_new_password_signs_page_sessions_out_too(lead):
    browser = Client()
    browser.force_login(lead)
    assert browser.get("/me/").status_code == 200
    lead.set_password(NEW_PASSWORD)
    lead.save()
    assert browser.get("/me/").status_code == 302


def test_tokens_issued_before_the_upgrade_keep_working_until_the_password_changes():
    """The migration records each existing token's credential hash from its user."""
    import importlib

    from django.apps import apps

    from accounts.services import TokenRevoked, api_token_authenticate

    migration = importlib.import_module("accounts.migrations.0002_apitoken_credential_hash")
    lead = make_user(User.Role.LEAD)
    token, raw = api_token_issue(user=lead)
    ApiToken.objects.filter(pk=token.pk).update(credential_hash="")
    migration.record_current_credentials(apps, None)
    assert api_token_authenticate(raw_key=raw).pk == lead.pk
    lead.set_password(PASSWORD + "-changed")
    lead.save()
    with pytest.raises(TokenRevoked):
        api_token_authenticate(raw_key=raw)
