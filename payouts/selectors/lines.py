"""A period's household lines: a lead gets only its own workshop's, searchable by household name,
number, phone tail or workshop.

They are listed in ``LINE_KEYS`` order, (pool, household): the unique index of the lines, so a
page after a cursor is an index seek, however deep (``core.pagination.KeysetPagination``).
"""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.permissions import scope

from ..models import PayoutLine
from .periods import period_get

# The lines' unique sort key: the (pool, household) unique index, in that order.
LINE_KEYS = ("pool_id", "household_id")


def line_list(
    *, viewer: User, period_id: int, workshop_id: int | None = None, search: str = ""
) -> QuerySet[PayoutLine]:
    """The household lines of a period; a lead gets only its own workshop's lines."""
    period = period_get(viewer=viewer, period_id=period_id)
    lines = scope(
        PayoutLine.objects.filter(pool__period=period),
        viewer=viewer,
        workshop="pool__workshop__organisation",
    )
    if workshop_id is not None:
        lines = lines.filter(pool__workshop_id=workshop_id)
    search = search.strip()
    if search:
        lines = lines.filter(_line_search(search))
    return lines.select_related(
        "household", "pool__order", "pool__workshop__organisation"
    ).order_by(*LINE_KEYS)


def _line_search(search: str) -> Q:
    """A household by name, by number (its id, "#12" too) or phone tail, or by workshop."""
    found = Q(household__name__icontains=search) | Q(
        pool__workshop__organisation__name__icontains=search
    )
    number = search.lstrip("#＃").strip()
    if number.isdigit():
        found |= Q(household_id=int(number))
        if len(number) >= 4:
            found |= Q(household__phone__endswith=number)
    return found
