import pytest

from accounts import notifications
from sms.gateway import FakeGateway


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def outbox(settings):
    """Texts handed to the notifier (its memory backend stands in for the SMS gateway)."""
    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    yield notifications.outbox
    notifications.outbox.clear()


@pytest.fixture
def gateway(db, outbox) -> FakeGateway:
    """A phone texting our webhook, signed as the real gateway signs."""
    return FakeGateway()
