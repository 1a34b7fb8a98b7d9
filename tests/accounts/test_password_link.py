"""The one-time set-password link an operator hands a new user: signed, expiring, single use."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import PasswordLinkTokens, password_link_path, user_invite
from tests.factories import make_service_center, make_user

pytestmark = pytest.mark.django_db

GOOD = "绳编-腰带-Danba-2026"


@pytest.fixture
def invited(operator):
    center = make_service_center(name="丹巴服务中心")
    user, path = user_invite(
        actor=operator, username="zhijian_new", role="checker", organisation_id=center.pk
    )
    return user, path


def test_an_invited_user_has_no_password_until_they_set_one(invited):
    user, _path = invited
    assert not user.has_usable_password()
    assert Client().post("/login/", {"username": "zhijian_new", "password": ""}).status_code == 200


def test_the_link_sets_a_password_once_then_is_dead(invited):
    user, path = invited
    client = Client()
    assert client.get(path).status_code == 200
    response = client.post(path, {"password1": GOOD, "password2": GOOD})
    assert response.status_code == 302 and response["Location"] == "/login/"
    user.refresh_from_db()
    assert user.check_password(GOOD)
    # The same link again: dead, and the password stays.
    assert client.get(path).status_code == 404
    again = client.post(path, {"password1": "another-Pass-2026", "password2": "another-Pass-2026"})
    assert again.status_code == 404
    user.refresh_from_db()
    assert user.check_password(GOOD)


def test_the_new_password_signs_in(invited):
    _user, path = invited
    Client().post(path, {"password1": GOOD, "password2": GOOD})
    client = Client()
    client.post("/login/", {"username": "zhijian_new", "password": GOOD})
    assert client.get("/me/").status_code == 200


def test_a_weak_password_is_refused_by_djangos_validators_and_the_link_still_works(invited):
    user, path = invited
    response = Client().post(path, {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert "密码" in response.content.decode() or "password" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert Client().get(path).status_code == 200


def test_two_different_entries_are_refused(invited):
    user, path = invited
    response = Client().post(path, {"password1": GOOD, "password2": GOOD + "x"})
    assert "两次输入的密码不一样" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_an_expired_link_is_dead(invited, settings):
    user, _path = invited

    class Earlier(PasswordLinkTokens):
        def _now(self):
            return timezone.now().replace(tzinfo=None) - timedelta(hours=73)

    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    old = Earlier().make_token(user)
    path = f"/set-password/{urlsafe_base64_encode(force_bytes(user.pk))}/{old}/"
    assert Client().get(path).status_code == 404
    settings.SET_PASSWORD_LINK_TTL = timedelta(hours=100)
    settings.PASSWORD_RESET_TIMEOUT = 100 * 3600
    assert Client().get(path).status_code == 200  # the same token inside a longer window


@pytest.mark.parametrize(
    "tail",
    ["xx/1a2b-deadbeef/", "MQ/not-a-token/", "!!!/x/"],
)
def test_a_wrong_link_is_404_and_changes_nothing(invited, tail):
    user, _path = invited
    response = Client().post(f"/set-password/{tail}", {"password1": GOOD, "password2": GOOD})
    assert response.status_code == 404
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_link_for_another_user_does_not_open_this_one(invited):
    user, path = invited
    other = make_user(User.Role.CHECKER, organisation=user.organisation)
    token = path.rstrip("/").rsplit("/", 1)[1]
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    forged = f"/set-password/{urlsafe_base64_encode(force_bytes(other.pk))}/{token}/"
    assert Client().get(forged).status_code == 404


def test_reissuing_clears_the_password_ends_sessions_and_kills_the_old_link(api, operator):
    center = make_service_center()
    person = make_user(User.Role.CHECKER, organisation=center)
    old_path = password_link_path(person)
    session = Client()
    session.force_login(person)
    response = api.as_user(operator).post(f"/users/{person.pk}/password-link", {})
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    assert "/set-password/" in url
    person.refresh_from_db()
    assert not person.has_usable_password()
    assert session.get("/me/").status_code == 302  # signed out
    assert Client().get(old_path).status_code == 404
    new_path = url.split("testserver", 1)[1]
    assert Client().get(new_path).status_code == 200


def test_a_link_sent_by_sms_goes_to_the_persons_phone(api, operator, settings):
    from accounts import notifications

    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    center = make_service_center()
    with pytest.MonkeyPatch.context():
        from django.db import connection

        response = api.as_user(operator).post(
            "/users",
            {
                "username": "laoshi_new",
                "role": "trainer",
                "organisation_id": center.pk,
                "phone": "13912345678",
                "send_sms": True,
            },
        )
        assert response.status_code == 201, response.content
        for _sids, callback, _robust in connection.run_on_commit:
            callback()
    (notice,) = notifications.outbox
    assert notice.phone == "13912345678" and notice.kind == "password_link"
    assert "/set-password/" in notice.text and "laoshi_new" in notice.text
