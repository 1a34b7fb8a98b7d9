"""Sign out everywhere (a lost or lent phone): every bearer token and page session of the
person ends, from the API or from the account page, and nobody else's."""

import pytest
from django.test import Client

from accounts.models import ApiToken, User
from accounts.services import api_token_issue
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=["cached", "uncached"])
def token_cache(request, settings):
    from django.core.cache import cache

    settings.API_TOKEN_CACHE_SECONDS = 60 if request.param == "cached" else 0
    cache.clear()
    yield request.param
    cache.clear()


def _phone(user: User, api) -> dict[str, str]:
    _, raw = api_token_issue(user=user)
    headers = {"Authorization": f"Bearer {raw}"}
    assert api.get("/me", headers=headers).status_code == 200  # cached when the cache is on
    return headers


def _browser(user: User) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/me/").status_code == 200
    return browser


def _assert_everything_of_user_ended(api, phones, browsers) -> None:
    for headers in phones:
        response = api.get("/me", headers=headers)
        assert response.status_code == 401, response.content
        assert response.json()["code"] == "token_revoked"
    for browser in browsers:
        response = browser.get("/me/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert browser.get("/api/v1/me").status_code == 401


def test_api_logout_all_ends_every_token_and_page_session(api, token_cache):
    lead = make_user(User.Role.LEAD)
    phones = [_phone(lead, api), _phone(lead, api)]
    browsers = [_browser(lead), _browser(lead)]
    bystander = make_user(User.Role.LEAD)
    their_phone, their_browser = _phone(bystander, api), _browser(bystander)

    response = api.post("/auth/logout-all", headers=phones[0])
    assert response.status_code == 204, response.content

    _assert_everything_of_user_ended(api, phones, browsers)
    assert not ApiToken.objects.filter(user=lead, revoked_at__isnull=True).exists()
    # Nobody else is signed out.
    assert api.get("/me", headers=their_phone).status_code == 200
    assert their_browser.get("/me/").status_code == 200


def test_api_logout_all_from_a_page_session_needs_csrf(api):
    lead = make_user(User.Role.LEAD)
    phone = _phone(lead, api)
    browser = _browser(lead)
    refused = browser.post("/api/v1/auth/logout-all")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert set(refused.json()) == {"code", "message", "detail"}
    assert api.get("/me", headers=phone).status_code == 200

    csrf = browser.cookies["csrftoken"].value
    response = browser.post("/api/v1/auth/logout-all", headers={"X-CSRFToken": csrf})
    assert response.status_code == 204, response.content
    _assert_everything_of_user_ended(api, [phone], [browser])


def test_api_logout_all_without_credentials_is_401_in_the_error_shape(api):
    response = api.post("/auth/logout-all")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请先登录。", "detail": {}}


def test_account_page_button_signs_out_everywhere(api, token_cache):
    lead = make_user(User.Role.LEAD)
    phone = _phone(lead, api)
    other_browser = _browser(lead)
    browser = _browser(lead)

    page = browser.get("/me/").content.decode()
    assert 'action="/me/sign-out-everywhere/"' in page
    assert "在所有设备上退出" in page
    csrf = browser.cookies["csrftoken"].value
    response = browser.post("/me/sign-out-everywhere/", {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "已在所有手机和浏览器上退出登录。" in browser.get("/login/").content.decode()

    _assert_everything_of_user_ended(api, [phone], [browser, other_browser])


def test_account_page_button_speaks_english_when_chosen():
    from django.conf import settings

    browser = _browser(make_user(User.Role.LEAD))
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = browser.get("/me/").content.decode()
    assert "Sign out everywhere" in page
    assert "this one included" in page


def test_account_page_button_needs_csrf_and_post(api):
    lead = make_user(User.Role.LEAD)
    phone = _phone(lead, api)
    browser = _browser(lead)
    assert browser.post("/me/sign-out-everywhere/").status_code == 403
    assert browser.get("/me/sign-out-everywhere/").status_code == 405
    assert browser.get("/me/").status_code == 200
    assert api.get("/me", headers=phone).status_code == 200


def test_the_person_can_sign_in_again_afterwards(api):
    lead = make_user(User.Role.LEAD, username="lead-again")
    phone = _phone(lead, api)
    assert api.post("/auth/logout-all", headers=phone).status_code == 204

    response = api.post("/auth/token", {"username": "lead-again", "password": PASSWORD})
    assert response.status_code == 200, response.content
    fresh = {"Authorization": f"Bearer {response.json()['token']}"}
    assert api.get("/me", headers=fresh).status_code == 200
    browser = Client()
    assert (
        browser.post("/login/", {"username": "lead-again", "password": PASSWORD}).status_code == 302
    )
    assert browser.get("/me/").status_code == 200


def test_sessions_from_before_the_upgrade_stay_valid():
    """Until someone signs out everywhere, the session hash is exactly Django's own."""
    from django.contrib.auth.base_user import AbstractBaseUser

    from accounts.services import user_sign_out_everywhere

    lead = make_user(User.Role.LEAD)
    assert lead.session_epoch == 0
    assert lead.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(lead)
    user_sign_out_everywhere(user=lead)
    assert lead.session_epoch == 1
    assert lead.get_session_auth_hash() != AbstractBaseUser.get_session_auth_hash(lead)
