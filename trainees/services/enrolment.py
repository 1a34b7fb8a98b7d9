"""Writes for enrolment: a trainee joins a cohort (an operator's, or their trainer's), linked
only to a household or login within the enrolling trainer's reach."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import NotFound
from workshops.models import Household

from ..models import Cohort, Trainee
from ..selectors import CohortNotFound, households_in_reach, users_in_reach

Role = User.Role


class UnknownHousehold(NotFound):
    code = "household_not_found"
    message = _("农户不存在，或不在您的服务范围内。")


class UnknownUser(NotFound):
    code = "user_not_found"
    message = _("账号不存在，或不在您的服务范围内。")


def _cohort_for(actor: User, cohort_id: int) -> Cohort:
    """The cohort if ``actor`` is an operator or teaches it; 404 otherwise."""
    cohorts = Cohort.objects.select_related("programme").filter(pk=cohort_id)
    if not is_operator(actor):
        cohorts = cohorts.filter(trainers=actor)
    cohort = cohorts.first()
    if cohort is None:
        raise CohortNotFound(detail={"cohort_id": cohort_id})
    return cohort


@transaction.atomic
def trainee_enrol(
    *,
    actor: User,
    cohort_id: int,
    name: str,
    province: str,
    county: str,
    background: str,
    village: str = "",
    phone: str = "",
    household_id: int | None = None,
    user_id: int | None = None,
) -> Trainee:
    """An operator, or a trainer of the cohort, enrols a trainee.

    A trainer links only a household or login within its reach
    (``selectors.households_in_reach`` / ``users_in_reach``); any other is answered exactly
    as an id that does not exist (404), so ids of other regions do not leak.
    """
    ensure_role(actor, Role.OPERATOR, Role.TRAINER)
    cohort = _cohort_for(actor, cohort_id)
    if (
        household_id is not None
        and not Household.objects.filter(households_in_reach(actor), pk=household_id).exists()
    ):
        raise UnknownHousehold(detail={"household_id": household_id})
    if user_id is not None and not User.objects.filter(users_in_reach(actor), pk=user_id).exists():
        raise UnknownUser(detail={"user_id": user_id})
    return Trainee.objects.create(
        cohort=cohort,
        name=name,
        province=province,
        county=county,
        village=village,
        phone=phone,
        background=background,
        household_id=household_id,
        user_id=user_id,
    )
