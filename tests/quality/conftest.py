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
