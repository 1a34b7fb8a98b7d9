import pytest

from accounts.models import User
from tests.factories import make_user, make_workshop


@pytest.fixture
def other_region_checker(db) -> User:
    """A checker of another service center (another region)."""
    other = make_workshop()
    return make_user(User.Role.CHECKER, organisation=other.organisation.service_center)


@pytest.fixture
def other_workshop(db):
    return make_workshop()


@pytest.fixture
def eager_tasks(monkeypatch):
    """Run Celery tasks in-process even when REDIS_URL points at a broker (no worker here);
    the real worker round trip is covered by tests/config/test_celery_worker.py."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
