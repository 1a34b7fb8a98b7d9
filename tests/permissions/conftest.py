"""Two complete worlds per test module, built once inside an outer transaction that is rolled
back when the module ends; each test runs in its own savepoint (pytest-django's ``db``), so a
call that wrongly changes something cannot leak into the next test."""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import User
from tests.factories import bearer, make_user

from .world import World, build_world

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Worlds:
    a: World
    b: World
    operator: User
    _headers: dict = field(default_factory=dict)

    def bearer_of(self, user: User) -> dict[str, str]:
        if user.pk not in self._headers:
            self._headers[user.pk] = bearer(user)
        return self._headers[user.pk]

    def pair(self, direction: str) -> tuple[World, World]:
        """(the caller's world, the world whose objects it names)."""
        return (self.a, self.b) if direction == "A→B" else (self.b, self.a)


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _isolated_media(settings, media_root):
    # the worlds' files (a label sheet's PDF) are made once per module, in this module's root
    settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker, media_root):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media_root),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            operator = make_user(User.Role.OPERATOR, display_name="平台运营")
            worlds = Worlds(
                a=build_world("ALFA甲", operator=operator, digit="1"),
                b=build_world("BRAVO乙", operator=operator, digit="2"),
                operator=operator,
            )
            worlds.bearer_of(operator)  # its token made with the worlds, not in a test
            yield worlds
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
