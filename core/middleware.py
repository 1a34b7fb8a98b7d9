"""Middleware every request passes: the pages' language, the API's error body."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .errors import error_json_response


class ChineseFirstPagesMiddleware:
    """Pages are Chinese unless the person chose English with the switch (the language cookie).

    The API keeps following Accept-Language (its clients ask for a language on purpose); a phone
    browser's Accept-Language says more about where the phone was bought than what its owner
    reads.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class ApiErrorBodyMiddleware:
    """Every API answer of 400 and above is the one error body, also those made before any
    handler runs: ninja's 405 for a method a path does not have, Django's own HTML for a 400
    or a 404. Messages follow the request's language (this runs inside LocaleMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self.error_body(response)
        return response

    @staticmethod
    def error_body(response: HttpResponse) -> HttpResponse:
        detail = {}
        allow = response.get("Allow", "")
        if response.status_code == 405 and allow:
            detail["allowed"] = sorted(m.strip() for m in allow.split(",") if m.strip())
        replaced = error_json_response(response.status_code, detail=detail)
        if allow:
            replaced["Allow"] = allow
        return replaced
