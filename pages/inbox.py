"""The inbox page: what the platform told this person (batch assigned, claim about to expire,
lot back for rework, payout ready …), newest first, each leading to its page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.inbox import inbox_mark_read, inbox_page, inbox_unread_count


def unread_count(request: HttpRequest) -> dict:
    """Context processor: ``inbox_unread`` for the header, counted only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": lambda: inbox_unread_count(user=user)}


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**62 else None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = inbox_page(user=request.user, before=_before(request))
    return render(request, "pages/inbox.html", {"page": page})


@require_POST
@login_required
def inbox_read(request: HttpRequest) -> HttpResponse:
    marked = inbox_mark_read(user=request.user)
    if marked:
        messages.success(request, _("%(count)d 条消息已标为已读。") % {"count": marked})
    return redirect("pages:inbox")
