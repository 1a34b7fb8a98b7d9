"""How page views meet the domain: signed in, the right role, and domain errors made readable.

Services and selectors raise ``config.errors`` classes; a page shows NotFound as the 404
page, Forbidden as the 403 page, and other errors as a message next to the form
(``ApplicationError.message`` is already in the person's language).
"""

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import ensure_role
from config.errors import ApplicationError, Forbidden, NotFound


def page(*roles: str) -> Callable:
    """A page for signed-in people of ``roles`` (operators and superusers always pass)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                ensure_role(request.user, *roles, "operator")
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message)) from exc
            except Forbidden as exc:
                return render(request, "pages/forbidden.html", {"message": exc.message}, status=403)

        return wrapped

    return decorate


def error_text(exc: ApplicationError) -> str:
    return str(exc.message)
