"""One rule for every paginated list of the API: ``?limit=`` and ``?offset=``.

``limit`` is 1 … 200 (default 100) and ``offset`` 0 … 10,000,000. A value outside is refused
with 422 ``validation_error`` naming the parameter, never clamped in silence (a client asking
for 500 rows learns the maximum instead of quietly missing 300) and never passed on to the
database (an offset of 10^20 was a 500: "bigint out of range"). The bounds are in the OpenAPI
document of each list. docs/api.md has the same rule for people.

Every app imports ``LimitOffsetPagination`` and ``paginate`` from here, not from ninja.
"""

from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination
from ninja.pagination import paginate

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000

# For lists that page by hand (their own filter schema).
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"rows per page, 1 … {MAX_LIMIT}")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description=f"rows to skip, 0 … {MAX_OFFSET:,}")]


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    class Input(Schema):
        limit: Limit = DEFAULT_LIMIT
        offset: Offset = 0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


__all__ = ["MAX_LIMIT", "MAX_OFFSET", "Limit", "LimitOffsetPagination", "Offset", "paginate"]


PAGE_SIZE = 20


def page_of(request, queryset, *, per_page: int = PAGE_SIZE):
    """One page of a list for the phone pages (``?page=``): LIMIT/OFFSET in the database, a
    page number out of range gives the last page, anything else the first."""
    from django.core.paginator import Paginator

    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
