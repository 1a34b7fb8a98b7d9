from django.utils.translation import get_language

from .models import User


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
