"""Authentication classes for the NinjaAPI: bearer tokens for phones, the session for pages."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw_key=token)
        request.user = user
        return user


class PageSessionAuth(SessionAuth):
    """Django's session, with CSRF enforced on unsafe methods (ninja's APIKeyCookie).

    Without a session cookie there is no session to forge a request with: the caller is simply
    not signed in (401 not_authenticated), not a page whose CSRF token expired (403).
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


api_auth = [BearerTokenAuth(), PageSessionAuth()]


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """django-axes calls this when a sign-in is locked out: the API answers in its error shape."""
    from django.http import HttpResponse, JsonResponse

    from .services import LoginLockedOut

    error = LoginLockedOut()
    if request.path.startswith("/api/"):
        return JsonResponse(error.body(), status=error.status)
    return HttpResponse(
        str(error.message), status=error.status, content_type="text/plain; charset=utf-8"
    )
