import pytest

from accounts import notifications


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Builders hash a password per user; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def outbox(settings):
    """Notices sent during the test (the notifier's memory backend)."""
    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    yield notifications.outbox
    notifications.outbox.clear()
