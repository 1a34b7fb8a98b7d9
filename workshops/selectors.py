"""Reads for the workshop registry, scoped to what the viewer may see."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from accounts.permissions import scope
from core.errors import NotFound

from .models import Household, Skill, Workshop, WorkshopCapacityChange, WorkshopSkillChange


def workshop_list(
    *, viewer: User, status: str | None = None, search: str = ""
) -> QuerySet[Workshop]:
    workshops = scope(
        Workshop.objects.select_related("organisation", "organisation__service_center", "lead"),
        viewer=viewer,
        workshop="organisation",
        service_center="organisation__service_center",
    ).annotate(
        household_count=Count("households", filter=Q(households__is_active=True)),
        pending_daily_capacity=Subquery(
            WorkshopCapacityChange.objects.filter(
                workshop=OuterRef("pk"), status=WorkshopCapacityChange.Status.PENDING
            ).values("to_capacity")[:1]
        ),
    )
    if status:
        workshops = workshops.filter(status=status)
    if search:
        workshops = workshops.filter(
            Q(organisation__name__icontains=search)
            | Q(organisation__county__icontains=search)
            | Q(organisation__village__icontains=search)
        )
    return workshops.prefetch_related("skill_levels__skill").order_by("organisation__name", "pk")


def workshop_get(*, viewer: User, workshop_id: int) -> Workshop:
    workshop = workshop_list(viewer=viewer).filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    return workshop


def household_list(*, viewer: User, workshop_id: int, search: str = "") -> QuerySet[Household]:
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    households = workshop.households.filter(is_active=True).prefetch_related("skill_levels__skill")
    if search:
        households = households.filter(name__icontains=search)
    return households.order_by("name", "pk")


def capacity_change_list(
    *, viewer: User, workshop_id: int, status: str | None = None
) -> QuerySet[WorkshopCapacityChange]:
    """A workshop's capacity history, newest first (its lead and operators; else 404)."""
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    changes = WorkshopCapacityChange.objects.filter(workshop=workshop)
    if status:
        changes = changes.filter(status=status)
    return changes.select_related("requested_by", "decided_by").order_by("-requested_at", "-pk")


def skill_change_list(*, viewer: User, workshop_id: int) -> QuerySet[WorkshopSkillChange]:
    """A workshop's skill history, newest first (its lead and operators; else 404)."""
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    return (
        WorkshopSkillChange.objects.filter(workshop=workshop)
        .select_related("skill", "actor")
        .order_by("-at", "-pk")
    )


def skill_list() -> QuerySet[Skill]:
    """The skill catalogue (everyone signed in may read it: orders name skills by code)."""
    return Skill.objects.order_by("code")
