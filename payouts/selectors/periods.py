"""Periods as an operator or lead sees them: a lead only one whose scope holds its workshop; an
operator's page of a period (totals per workshop, household count, reconciliation,
adjustments).
"""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from workshops.models import Household

from ..models import PayoutAdjustment, PayoutLine, PayoutPeriod
from ._common import PeriodNotFound, Role
from .figures import period_figures, period_workshop_rows


def period_list(*, viewer: User, status: str | None = None) -> QuerySet[PayoutPeriod]:
    ensure_role(viewer, Role.OPERATOR)
    periods = PayoutPeriod.objects.select_related("region", "workshop__organisation")
    if status:
        periods = periods.filter(status=status)
    return periods.order_by("-ends_on", "-pk")


def period_get(*, viewer: User, period_id: int) -> PayoutPeriod:
    """A period as a lead or operator may see it: a lead only one whose scope has its workshop."""
    ensure_role(viewer, Role.OPERATOR, Role.LEAD)
    periods = PayoutPeriod.objects.select_related("region", "workshop__organisation")
    if not is_operator(viewer):
        workshop = getattr(viewer.organisation, "workshop", None) if viewer.organisation else None
        if workshop is None:
            raise PeriodNotFound(detail={"period_id": period_id})
        periods = periods.filter(
            Q(scope=PayoutPeriod.Scope.ALL)
            | Q(scope=PayoutPeriod.Scope.REGION, region_id=viewer.organisation.service_center_id)
            | Q(scope=PayoutPeriod.Scope.WORKSHOP, workshop_id=workshop.pk)
        )
    period = periods.filter(pk=period_id).first()
    if period is None:
        raise PeriodNotFound(detail={"period_id": period_id})
    return period


def period_workshop_totals(*, viewer: User, period_id: int, limit: int = 20) -> list[dict]:
    """A period's workshops with the most money (see ``period_workshop_rows``)."""
    ensure_role(viewer, Role.OPERATOR)
    return period_workshop_rows(period_id=period_id, limit=limit)


def period_household(*, viewer: User, period_id: int, household_id) -> Household | None:
    """The household an operator chose on a period's page (its name beside the form)."""
    ensure_role(viewer, Role.OPERATOR)
    try:
        household_id = int(household_id)
    except (TypeError, ValueError):
        return None
    return (
        Household.objects.select_related("workshop__organisation").filter(pk=household_id).first()
    )


def period_household_count(*, period: PayoutPeriod) -> int:
    return PayoutLine.objects.filter(pool__period=period).values("household_id").distinct().count()


def period_detail(*, viewer: User, period_id: int) -> PayoutPeriod:
    """A period with its household and statement counts, reconciliation and top workshops
    (operator): kept at approval for a locked period, aggregated for one that may change."""
    ensure_role(viewer, Role.OPERATOR)
    period = period_get(viewer=viewer, period_id=period_id)
    figures = period_figures(period=period)
    period.household_count = figures["household_count"]
    period.statement_count = figures["statement_count"]
    period.reconciliation = figures["reconciliation"]
    period.workshop_totals = figures["workshops"]
    return period


def adjustment_list(*, viewer: User, period_id: int) -> QuerySet[PayoutAdjustment]:
    ensure_role(viewer, Role.OPERATOR)
    period = period_get(viewer=viewer, period_id=period_id)
    return PayoutAdjustment.objects.filter(period=period).order_by("pk")
