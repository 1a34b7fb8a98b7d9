import pytest

from accounts.models import User
from accounts.permissions import ensure_role, scope
from core.errors import Forbidden
from tests.factories import make_household, make_org, make_service_center, make_user, make_workshop
from workshops.models import Household

pytestmark = pytest.mark.django_db


def scoped_households(viewer):
    return set(
        scope(
            Household.objects.all(),
            viewer=viewer,
            workshop="workshop__organisation",
            service_center="workshop__organisation__service_center",
        ).values_list("name", flat=True)
    )


@pytest.fixture
def two_regions():
    danba, bazhong = make_service_center(name="丹巴"), make_service_center(name="巴中")
    a = make_workshop(service_center=danba)
    b = make_workshop(service_center=bazhong)
    make_household(a, name="A户")
    make_household(b, name="B户")
    return a, b


def test_operator_sees_everything(two_regions, operator):
    assert scoped_households(operator) == {"A户", "B户"}


def test_lead_sees_only_own_workshop(two_regions):
    a, b = two_regions
    assert scoped_households(a.lead) == {"A户"}
    assert scoped_households(b.lead) == {"B户"}


def test_checker_sees_only_own_region(two_regions):
    a, _ = two_regions
    checker = make_user(User.Role.CHECKER, organisation=a.organisation.service_center)
    assert scoped_households(checker) == {"A户"}


def test_role_without_a_path_sees_nothing(two_regions, merchant, trainer):
    assert scoped_households(merchant) == set()
    assert scoped_households(trainer) == set()


def test_user_without_organisation_sees_nothing(two_regions):
    nobody = User.objects.create_user(username="loose", password="x")
    assert scoped_households(nobody) == set()


def test_ensure_role_refuses_other_roles_with_403_code(merchant, operator):
    ensure_role(operator, User.Role.OPERATOR)
    with pytest.raises(Forbidden) as refused:
        ensure_role(merchant, User.Role.OPERATOR, User.Role.LEAD)
    assert refused.value.status == 403
    assert refused.value.code == "role_not_allowed"
    assert refused.value.detail == {"role": "merchant", "allowed": ["operator", "lead"]}


def test_user_create_refuses_role_in_wrong_kind_of_organisation():
    from accounts.services import RoleOrganisationMismatch, user_create

    merchant_org = make_org()
    with pytest.raises(RoleOrganisationMismatch):
        user_create(
            username="x", password="pw-long-enough", role=User.Role.LEAD, organisation=merchant_org
        )
    assert not User.objects.filter(username="x").exists()
