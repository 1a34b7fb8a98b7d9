"""Authentication classes for the NinjaAPI: bearer tokens for phones, the session for pages."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja.security import HttpBearer, SessionAuth

from .services import api_token_authenticate, api_token_revoke_all


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


class RevokeTokensOnPasswordChange:
    """Listed in AUTH_PASSWORD_VALIDATORS for its ``password_changed``, not to judge passwords.

    Django calls ``password_changed`` after every ``set_password()`` + ``save()``: from a
    service, the admin's password form, ``manage.py changepassword`` or a shell alike. Each of
    them therefore revokes the user's bearer tokens at once, cached copies included. (A token
    also carries the password's hash and stops when it no longer matches, so a password written
    any other way ends it within the token cache's few seconds; page sessions end by Django's
    own session hash.) A hash upgrade at sign-in is not a change and calls nothing.
    """

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            api_token_revoke_all(user=user)

    def get_help_text(self) -> str:
        return gettext("修改密码后，该账号在各台手机上的登录都会失效，需要重新登录。")


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
