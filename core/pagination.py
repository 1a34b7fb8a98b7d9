"""One rule for every paginated list of the API: ``?limit=`` and ``?offset=``; deep lists add
a cursor (``?after=``, ``KeysetPagination``).

``limit`` is 1 … 200 (default 100) and ``offset`` 0 … 10,000,000. A value outside is refused
with 422 ``validation_error`` naming the parameter, never clamped in silence (a client asking
for 500 rows learns the maximum instead of quietly missing 300) and never passed on to the
database (an offset of 10^20 was a 500: "bigint out of range"). The bounds are in the OpenAPI
document of each list. docs/api.md has the same rule for people.

A list that is walked deep (hundreds of thousands of rows: a national period's payout lines)
uses ``KeysetPagination``: the same ``limit``/``offset`` and answer (``items``, ``count``), plus
``next``, a cursor to send back as ``?after=`` for the page that follows. A cursor page seeks
in the list's index (``WHERE (key) > (cursor) ORDER BY key LIMIT n``) instead of walking the
skipped rows, and no page but the first counts the list: ``count`` is the list's size on the
first page (offset 0, no cursor) and null on every later one.

Every app imports ``LimitOffsetPagination``, ``KeysetPagination`` and ``paginate`` from here,
not from ninja.
"""

from typing import Annotated, Any

from django.db.models import Q, QuerySet
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination
from ninja.pagination import PaginationBase, paginate

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


# A cursor is the sort key of the last row of a page, its integers joined by dots ("812.40317").
Cursor = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,18}(\.[0-9]{1,18}){0,3}$",
        description="the `next` of the previous page: the rows after it, sought in the index",
    ),
]


def keyset_after(keys: tuple[str, ...], cursor: tuple[int, ...]) -> Q:
    """Rows whose ``keys`` come after ``cursor`` in ``ORDER BY keys``: (k0 > c0) or (k0 = c0 and
    the rest after the rest), with ``k0 >= c0`` alone in front so that the index seeks."""
    first, rest = keys[0], keys[1:]
    if not rest:
        return Q(**{f"{first}__gt": cursor[0]})
    deeper = Q(**{first: cursor[0]}) & keyset_after(rest, cursor[1:])
    return Q(**{f"{first}__gte": cursor[0]}) & (Q(**{f"{first}__gt": cursor[0]}) | deeper)


def cursor_of(row: Any, keys: tuple[str, ...]) -> str:
    return ".".join(str(getattr(row, key)) for key in keys)


class KeysetPagination(PaginationBase):
    """``limit``/``offset`` as every list, plus ``after`` (a cursor) for deep lists; ``keys``
    are the list's unique sort key, integer fields with an index in that order."""

    class KeysetInput(Schema):  # its own name in the OpenAPI document
        limit: Limit = DEFAULT_LIMIT
        offset: Offset = 0
        after: Cursor | None = None

    Input = KeysetInput

    class KeysetOutput(Schema):
        items: list[Any]
        count: int | None = Field(
            description="rows in the whole list on the first page (offset 0, no cursor); "
            "null on later pages, which are not counted"
        )
        next: str | None = Field(
            description="send as ?after= for the next page; null on the last page"
        )

    Output = KeysetOutput

    def __init__(self, *, keys: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys = keys

    def paginate_queryset(
        self, queryset: QuerySet, pagination: KeysetInput, request: Any = None, **params: Any
    ) -> dict[str, Any]:
        ordered = queryset.order_by(*self.keys)
        limit = pagination.limit
        count = None
        if pagination.after:
            cursor = tuple(int(part) for part in pagination.after.split("."))
            if len(cursor) != len(self.keys):
                cursor = (cursor + (0,) * len(self.keys))[: len(self.keys)]
            rows = list(ordered.filter(keyset_after(self.keys, cursor))[: limit + 1])
        else:
            offset = pagination.offset
            rows = list(ordered[offset : offset + limit + 1])
            if offset == 0:
                count = len(rows) if len(rows) <= limit else self._items_count(queryset)
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "items": rows,
            "count": count,
            "next": cursor_of(rows[-1], self.keys) if more and rows else None,
        }


__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "KeysetPagination",
    "Limit",
    "LimitOffsetPagination",
    "Offset",
    "cursor_of",
    "keyset_after",
    "paginate",
]


PAGE_SIZE = 20


def page_of(request, queryset, *, per_page: int = PAGE_SIZE):
    """One page of a list for the phone pages (``?page=``): LIMIT/OFFSET in the database, a
    page number out of range gives the last page, anything else the first."""
    from django.core.paginator import Paginator

    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
