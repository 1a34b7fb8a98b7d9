"""Local time on the pages: a signed-in person's pages show times in their time zone.

Their own preference (``User.time_zone``), else their workshop's (a lead's), else the site's
(``workshops.selectors.user_time_zone``). Deadlines, device times and scan times rendered by the
templates (``|date``, ``|day``, ``localtime``) then read as on the wall clock where the person
is. The API is left alone: it answers with ISO times that carry their offset.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.locales import zone

from .selectors import user_time_zone


class LocalTimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or user is None or not user.is_authenticated:
            return self.get_response(request)
        timezone.activate(zone(user_time_zone(user)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
