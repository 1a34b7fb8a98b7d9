"""Who may see and do what. Every app's selectors scope their querysets through ``scope``.

The rule of the house (DOMAIN.md, "Everyone sees only their own"):
operators see everything; a merchant sees its own company's rows; a workshop lead its own
workshop's; a checker the rows of the workshops its service center serves; a trainer only
what the trainees app grants explicitly. Anything not granted is invisible (an empty
queryset, which the API turns into 404 for single reads).
"""

from django.db.models import Q, QuerySet

from core.access import ensure_role

from .models import Organisation, User

Role = User.Role

__all__ = ["ensure_role", "is_operator", "scope"]


def is_operator(user: User) -> bool:
    return user.is_superuser or user.role == Role.OPERATOR


def scope(
    queryset: QuerySet,
    *,
    viewer: User,
    merchant: str | None = None,
    workshop: str | None = None,
    service_center: str | None = None,
    trainer: Q | None = None,
) -> QuerySet:
    """Filter ``queryset`` to the rows ``viewer`` may see.

    Each keyword is the lookup path from the queryset's model to the Organisation that
    owns the row for that role, e.g. ``workshop="batch__workshop__organisation"``.
    A role whose path is not given sees nothing.
    """
    if is_operator(viewer):
        return queryset
    org_id = viewer.organisation_id
    if org_id is None:
        return queryset.none()
    paths = {
        Role.MERCHANT: merchant,
        Role.LEAD: workshop,
        Role.CHECKER: service_center,
    }
    if viewer.role == Role.TRAINER:
        return queryset.filter(trainer) if trainer is not None else queryset.none()
    path = paths.get(viewer.role)
    if path is None:
        return queryset.none()
    return queryset.filter(**{path: org_id})


ROLE_ORGANISATION_KINDS: dict[str, set[str]] = {
    Role.MERCHANT: {Organisation.Kind.MERCHANT},
    Role.LEAD: {Organisation.Kind.WORKSHOP},
    Role.CHECKER: {Organisation.Kind.SERVICE_CENTER, Organisation.Kind.OPERATOR},
    Role.TRAINER: {Organisation.Kind.OPERATOR, Organisation.Kind.SERVICE_CENTER},
    Role.OPERATOR: {Organisation.Kind.OPERATOR, Organisation.Kind.SERVICE_CENTER},
}
