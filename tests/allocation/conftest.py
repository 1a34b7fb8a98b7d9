import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Builders hash a password per user; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
