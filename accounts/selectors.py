from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from core.access import ensure_role

from .models import Organisation, User


def me_get(*, viewer: User) -> dict:
    org = viewer.organisation
    return {
        "id": viewer.pk,
        "username": viewer.username,
        "display_name": viewer.display_name or viewer.username,
        "role": viewer.role,
        "role_label": viewer.get_role_display() if viewer.role else "",
        "organisation": None
        if org is None
        else {
            "id": org.pk,
            "kind": org.kind,
            "kind_label": org.get_kind_display(),
            "name": org.name,
            "region": org.region_label,
        },
        "language": get_language(),
    }


def service_center_list(*, viewer: User, search: str = "") -> QuerySet[Organisation]:
    """The regional service centers (operators), with how many workshops each serves."""
    ensure_role(viewer, User.Role.OPERATOR)
    centers = Organisation.objects.filter(kind=Organisation.Kind.SERVICE_CENTER).annotate(
        workshop_count=Count(
            "served_organisations",
            filter=Q(served_organisations__kind=Organisation.Kind.WORKSHOP),
        )
    )
    if search:
        centers = centers.filter(
            Q(name__icontains=search)
            | Q(province__icontains=search)
            | Q(county__icontains=search)
            | Q(township__icontains=search)
        )
    return centers.order_by("name", "pk")


def service_center_get(*, viewer: User, service_center_id: int) -> Organisation:
    from .services import ServiceCenterNotFound

    center = service_center_list(viewer=viewer).filter(pk=service_center_id).first()
    if center is None:
        raise ServiceCenterNotFound(detail={"service_center_id": service_center_id})
    return center


def user_list(
    *,
    viewer: User,
    search: str = "",
    role: str | None = None,
    organisation_id: int | None = None,
) -> QuerySet[User]:
    """People who sign in (operators): search by login, name, phone or organisation."""
    ensure_role(viewer, User.Role.OPERATOR)
    users = User.objects.select_related("organisation").exclude(role="")
    if role:
        users = users.filter(role=role)
    if organisation_id is not None:
        users = users.filter(organisation_id=organisation_id)
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(display_name__icontains=search)
            | Q(phone__contains=search)
            | Q(organisation__name__icontains=search)
        )
    return users.order_by("organisation__name", "username", "pk")


def user_get(*, viewer: User, user_id: int) -> User:
    from .services import UserNotFound

    user = user_list(viewer=viewer).filter(pk=user_id).first()
    if user is None:
        raise UserNotFound(detail={"user_id": user_id})
    return user


def organisation_choices(*, viewer: User, role: str) -> QuerySet[Organisation]:
    """The active organisations a user of ``role`` may belong to (the operator's user form)."""
    from .permissions import ROLE_ORGANISATION_KINDS

    ensure_role(viewer, User.Role.OPERATOR)
    kinds = ROLE_ORGANISATION_KINDS.get(role, set())
    return Organisation.objects.filter(kind__in=kinds, is_active=True).order_by("kind", "name")
