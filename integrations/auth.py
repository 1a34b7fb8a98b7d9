"""The API's bearer authentication: a person's token (accounts) or a merchant's API key.

Keys (``sck_…``) are checked against the endpoint they call (``integrations.scopes``) before
the handler runs: 403 with a code for an endpoint outside the key's scopes.
"""

from typing import Any

from django.http import HttpRequest

from accounts.auth import BearerTokenAuth, PageSessionAuth

from .keys import KEY_PREFIX, api_key_authenticate
from .scopes import api_path


class BearerAuth(BearerTokenAuth):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(KEY_PREFIX):
            return super().authenticate(request, token)
        match = request.resolver_match
        path = api_path(match.route if match is not None else "")
        user = api_key_authenticate(raw_key=token, method=request.method or "", path=path)
        request.user = user
        return user


api_auth = [BearerAuth(), PageSessionAuth()]
