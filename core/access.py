"""Who may do what by role, and how page views meet the domain.

``ensure_role`` is the one role check (services, selectors and pages call it; accounts re-exports
it). ``page`` wraps a page view: signed in, the right role, domain errors made readable.
Services and selectors raise ``core.errors`` classes; a page shows NotFound as the 404
page, Forbidden as the 403 page, and other errors as a message next to the form
(``ApplicationError.message`` is already in the person's language).
"""

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, Forbidden, NotFound

OPERATOR = "operator"  # accounts.User.Role.OPERATOR: passes every role check


def ensure_role(user, *roles: str) -> None:
    """Refuse (403) a user whose role is not one of ``roles``. Superusers pass."""
    if user.is_superuser:
        return
    if user.role not in roles:
        raise Forbidden(
            _("您的角色无权执行此操作。"),
            code="role_not_allowed",
            detail={"role": user.role, "allowed": list(roles)},
        )


def page(*roles: str) -> Callable:
    """A page for signed-in people of ``roles`` (operators and superusers always pass)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                ensure_role(request.user, *roles, OPERATOR)
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message)) from exc
            except Forbidden as exc:
                return render(request, "core/forbidden.html", {"message": exc.message}, status=403)

        return wrapped

    return decorate


def error_text(exc: ApplicationError) -> str:
    return str(exc.message)
