import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken, User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_login_returns_bearer_token_stored_only_as_hash(api):
    user = make_user(User.Role.LEAD, username="lead-a")
    response = api.post(
        "/auth/token", {"username": "lead-a", "password": PASSWORD, "device": "红米"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    raw = body["token"]
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert token.name == "红米"
    assert token.expires_at > timezone.now() + timedelta(days=29)


def test_token_authenticates_me(api):
    user = make_user(User.Role.LEAD, username="lead-b", display_name="余鑫")
    raw = api.post("/auth/token", {"username": "lead-b", "password": PASSWORD}).json()["token"]
    response = api.get("/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["username"] == "lead-b"
    assert body["display_name"] == "余鑫"
    assert body["role"] == "lead"
    assert body["role_label"] == "工坊带头人"
    assert body["organisation"]["id"] == user.organisation_id
    assert body["organisation"]["kind"] == "workshop"


def test_wrong_password_is_401_and_issues_nothing(api):
    make_user(User.Role.LEAD, username="lead-c")
    response = api.post("/auth/token", {"username": "lead-c", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["message"] == "用户名或密码错误。"
    assert ApiToken.objects.count() == 0


def test_unknown_user_is_same_401_as_wrong_password(api):
    response = api.post("/auth/token", {"username": "nobody", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_inactive_user_cannot_log_in(api):
    make_user(User.Role.LEAD, username="gone", is_active=False)
    response = api.post("/auth/token", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 401
    assert ApiToken.objects.count() == 0


def test_login_locks_out_after_five_failures_even_with_right_password(api, settings):
    make_user(User.Role.LEAD, username="lead-d")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post("/auth/token", {"username": "lead-d", "password": "bad"}).status_code == 401
    locked = api.post("/auth/token", {"username": "lead-d", "password": "bad"})
    assert locked.status_code == 429, locked.content
    assert locked.json()["code"] == "login_locked_out"
    right = api.post("/auth/token", {"username": "lead-d", "password": PASSWORD})
    assert right.status_code == 429
    assert ApiToken.objects.count() == 0


def test_expired_token_is_401_token_expired(api):
    user = make_user(User.Role.LEAD)
    api.as_user(user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_revoked_token_is_401_token_revoked(api):
    user = make_user(User.Role.LEAD)
    api.as_user(user)
    assert api.delete("/auth/token").status_code == 204
    response = api.get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert ApiToken.objects.get().revoked_at is not None


def test_garbage_token_is_401_token_invalid(api):
    response = api.get("/me", headers={"Authorization": "Bearer sc_not-a-real-token"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_me_without_credentials_is_401(api):
    response = api.get("/me")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请先登录。", "detail": {}}


def test_session_login_works_for_me_and_post_needs_csrf(operator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.get("/api/v1/me").json()["role"] == "operator"
    # A cookie-authenticated write without the CSRF token is refused.
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert response.json()["message"] == "页面已过期，请刷新后再试。"


def test_purge_expired_tokens_deletes_only_old_ones():
    from accounts.services import api_token_issue, api_token_purge_expired

    user = make_user(User.Role.LEAD)
    old, _ = api_token_issue(user=user)
    fresh, _ = api_token_issue(user=user)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=3))
    assert api_token_purge_expired() == 1
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert api_token_purge_expired() == 0


def test_chinese_is_sent_as_utf8_not_escapes(api):
    make_user(User.Role.LEAD, username="lead-utf8", display_name="格桑卓玛")
    raw = api.post("/auth/token", {"username": "lead-utf8", "password": PASSWORD}).json()["token"]
    response = api.get("/me", headers={"Authorization": f"Bearer {raw}"})
    assert "格桑卓玛".encode() in response.content
    assert b"\\u" not in response.content
