import os

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User

from .factories import bearer, make_user, make_workshop


def pytest_report_header(config):
    return [
        f"database: {os.environ.get('DATABASE_URL', 'sqlite (default)')}",
        f"redis: {os.environ.get('REDIS_URL', 'none (tasks run in-process)')}",
    ]


def _end_pooled_sessions(test_name: str) -> None:
    """Behind PgBouncer the pool keeps server connections to the test database after its
    clients are gone, and PostgreSQL will not drop a database in use: end them first."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [test_name],
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_blocker):
    from django.conf import settings

    if getattr(settings, "DATABASE_POOLER", "") == "pgbouncer":
        with django_db_blocker.unblock():
            # a killed run's test database, still held by the pool, is dropped and made again
            _end_pooled_sessions(connection.creation._get_test_db_name())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings

    yield
    if getattr(settings, "DATABASE_POOLER", "") == "pgbouncer":
        with django_db_blocker.unblock():
            connection.close()
            _end_pooled_sessions(connection.settings_dict["NAME"])


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def api():
    """A Django test client that speaks JSON to /api/v1/."""
    return ApiClient()


class ApiClient:
    prefix = "/api/v1"

    def __init__(self) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}

    def as_user(self, user: User) -> "ApiClient":
        self.headers = bearer(user)
        return self

    def _call(self, method: str, path: str, data=None, headers=None, **kwargs):
        all_headers = {**self.headers, **(headers or {})}
        if (
            method in {"post", "put", "patch", "delete"}
            and data is not None
            and "content_type" not in kwargs
        ):
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(
            self.prefix + path, data=data, headers=all_headers, **kwargs
        )

    def get(self, path, data=None, **kwargs):
        return self._call("get", path, data, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self._call("post", path, data if data is not None else {}, **kwargs)

    def put(self, path, data=None, **kwargs):
        return self._call("put", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        return self._call("patch", path, data, **kwargs)

    def delete(self, path, data=None, **kwargs):
        return self._call("delete", path, data, **kwargs)


class TaskQueue:
    """What a worker would receive: the tasks sent on commit since the test began (in a test
    that runs inside one transaction, nothing commits, so nothing is sent by itself)."""

    def __init__(self) -> None:
        self.start = len(connection.run_on_commit)

    def run(self) -> int:
        """Run the queued tasks (and any they queue) in-process, as the worker would."""
        ran = 0
        while len(connection.run_on_commit) > self.start:
            _savepoints, callback, _robust = connection.run_on_commit.pop(self.start)
            callback()
            ran += 1
        return ran


@pytest.fixture
def tasks(db, monkeypatch) -> TaskQueue:
    """``tasks.run()`` runs the background tasks sent so far, in-process (even when REDIS_URL
    points at a broker with no worker here); until then they wait, as in a queue."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    return TaskQueue()


@pytest.fixture
def operator(db) -> User:
    return make_user(User.Role.OPERATOR, username="operator")


@pytest.fixture
def merchant(db) -> User:
    return make_user(User.Role.MERCHANT)


@pytest.fixture
def workshop(db):
    return make_workshop()


@pytest.fixture
def lead(workshop) -> User:
    return workshop.lead


@pytest.fixture
def checker(workshop) -> User:
    return make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)


@pytest.fixture
def trainer(db) -> User:
    return make_user(User.Role.TRAINER)


@pytest.fixture(autouse=True)
def _default_language():
    """A request in another language leaves that language active in the thread after it: each
    test starts (and ends) in the default language, whatever ran before it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
