"""A person's inbox: the notices ``notify_user`` kept, newest first, read or not.

Reads page by id (``before``), so the hundredth page of a busy lead's inbox costs what the
first does. Marking read is the only write: a person marks their own notices, nobody else's.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import InboxItem, User

PAGE_SIZE = 30


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    unread: int
    # The ``before`` of the next (older) page, or None on the last one.
    next_before: int | None


def _own(user: User) -> QuerySet[InboxItem]:
    return InboxItem.objects.filter(user=user)


def inbox_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return _own(user).filter(read_at__isnull=True).count()


def inbox_page(*, user: User, before: int | None = None, limit: int = PAGE_SIZE) -> InboxPage:
    """``limit`` notices older than id ``before`` (the newest without it)."""
    rows = _own(user).order_by("-pk")
    if before is not None:
        rows = rows.filter(pk__lt=before)
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return InboxPage(
        items=items,
        unread=inbox_unread_count(user=user),
        next_before=items[-1].pk if more else None,
    )


def inbox_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the person's own notices read: ``ids`` of them, or all. Returns how many changed.

    Ids of someone else's notices, or unknown ones, are simply not matched: nothing of
    another person's inbox can be read or changed through this.
    """
    unread = _own(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
