"""Behind our TLS proxy, a sign-in lock-out holds a username at one client address: a stranger
hammering a lead's username locks out the stranger, not the lead. X-Forwarded-For is believed
only from a trusted proxy, and only its right-most part that our proxies did not write."""

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
LEAD_PHONE = "198.51.100.7"
LIMIT = 3


@pytest.fixture(autouse=True)
def behind_a_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _api_sign_in(username: str, password: str, *, peer: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return Client(REMOTE_ADDR=peer).post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        headers=headers,
    )


def _page_sign_in(username: str, password: str, *, peer: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return Client(REMOTE_ADDR=peer).post(
        "/login/", {"username": username, "password": password}, headers=headers
    )


SIGN_INS = {"api": (_api_sign_in, 200), "page": (_page_sign_in, 302)}


@pytest.fixture(params=list(SIGN_INS))
def sign_in(request):
    """(the sign-in call, the status of a success) for the API token login and the page."""
    return SIGN_INS[request.param]


def _assert_locked(response) -> None:
    assert response.status_code == 429, response.content
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["code"] == "login_locked_out"
        assert set(response.json()) == {"code", "message", "detail"}


def test_lockout_behind_the_proxy_is_per_client_address(sign_in):
    call, ok = sign_in
    lead = make_user(User.Role.LEAD)
    # The attacker even makes up a different X-Forwarded-For each time; the proxy appends the
    # address it really saw, and only that is believed.
    for n in range(LIMIT):
        response = call(lead.username, "guess", peer=PROXY, forwarded=f"192.0.2.{n}, {ATTACKER}")
    _assert_locked(response)
    _assert_locked(call(lead.username, PASSWORD, peer=PROXY, forwarded=f"192.0.2.99, {ATTACKER}"))
    # The lead, on another address behind the same proxy, still signs in.
    assert call(lead.username, PASSWORD, peer=PROXY, forwarded=LEAD_PHONE).status_code == ok


def test_lockout_behind_the_proxy_is_per_username_too(sign_in):
    call, ok = sign_in
    lead, other = make_user(User.Role.LEAD), make_user(User.Role.LEAD)
    for _ in range(LIMIT):
        call(lead.username, "guess", peer=PROXY, forwarded=ATTACKER)
    _assert_locked(call(lead.username, PASSWORD, peer=PROXY, forwarded=ATTACKER))
    # Someone else sharing the attacker's address (a village's one Wi-Fi) is not locked out.
    assert call(other.username, PASSWORD, peer=PROXY, forwarded=ATTACKER).status_code == ok


def test_forwarded_for_from_an_untrusted_peer_is_ignored(sign_in):
    call, ok = sign_in
    lead = make_user(User.Role.LEAD)
    for n in range(LIMIT):
        response = call(lead.username, "guess", peer=ATTACKER, forwarded=f"192.0.2.{n}")
    _assert_locked(response)
    # Claiming to be the lead's own address does not get the attacker out of the lock-out.
    _assert_locked(call(lead.username, PASSWORD, peer=ATTACKER, forwarded=LEAD_PHONE))
    _assert_locked(call(lead.username, PASSWORD, peer=ATTACKER))
    # The lead's real address is untouched.
    assert call(lead.username, PASSWORD, peer=PROXY, forwarded=LEAD_PHONE).status_code == ok


def test_with_no_trusted_proxy_forwarded_for_is_never_believed(sign_in, settings):
    settings.TRUSTED_PROXIES = []
    call, _ok = sign_in
    lead = make_user(User.Role.LEAD)
    for n in range(LIMIT):
        call(lead.username, "guess", peer=PROXY, forwarded=f"192.0.2.{n}")
    _assert_locked(call(lead.username, PASSWORD, peer=PROXY, forwarded=LEAD_PHONE))
