"""The bearer token's user is cached briefly; revocation still takes effect at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services import TokenRevoked, api_token_authenticate, api_token_issue
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_cache(settings):
    from django.core.cache import cache

    settings.API_TOKEN_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def _token_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "accounts_apitoken" in q["sql"]]


def test_cached_token_answers_without_reading_the_token_table(api, token_cache):
    user = make_user(User.Role.LEAD, username="cached-lead")
    api.as_user(user)
    assert api.get("/me").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == "cached-lead"
    assert _token_queries(captured) == []


def test_revoked_token_stops_working_at_once_even_when_cached(api, token_cache):
    user = make_user(User.Role.LEAD)
    api.as_user(user)
    assert api.get("/me").status_code == 200  # now in the cache
    assert api.delete("/auth/token").status_code == 204
    response = api.get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_revocation_through_the_service_beats_a_cached_copy(token_cache):
    from accounts.services import api_token_revoke

    user = make_user(User.Role.CHECKER)
    token, raw = api_token_issue(user=user)
    assert api_token_authenticate(raw_key=raw).pk == user.pk  # cached
    api_token_revoke(token=token)
    with pytest.raises(TokenRevoked):
        api_token_authenticate(raw_key=raw)
    # A request that read the token before the revocation cannot put it back.
    from django.core.cache import cache

    token.revoked_at = None
    assert cache.add("accounts:token:" + token.key_hash, token, 60) is False
    with pytest.raises(TokenRevoked):
        api_token_authenticate(raw_key=raw)


def test_expiry_is_checked_on_a_cached_token(token_cache):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import TokenExpired

    user = make_user(User.Role.LEAD)
    token, raw = api_token_issue(user=user)
    api_token_authenticate(raw_key=raw)  # cached with its expiry
    from django.core.cache import cache

    cached = cache.get("accounts:token:" + token.key_hash)
    cached.expires_at = timezone.now() - timedelta(seconds=1)
    cache.set("accounts:token:" + token.key_hash, cached, 60)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=cached.expires_at)
    with pytest.raises(TokenExpired):
        api_token_authenticate(raw_key=raw)
