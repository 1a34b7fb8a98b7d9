"""Middleware every request passes: the pages' language, the API's error body, NUL refusal."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from .errors import InvalidCharacters, error_json_response
from .text import NUL, nul_errors, nul_locations


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


class RefuseNulMiddleware:
    """A NUL character in the path, the query string, a cookie or a page's form post is refused
    (400 ``invalid_characters``) before any view or database sees it; see core.text.

    The API's own form fields and JSON bodies are checked where the API reads them (its parser
    and InSchema), so that this never reads an API body itself (an upload is read once).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.refused(request)
        if refused:
            if is_api(request):
                return error_json_response(
                    400,
                    InvalidCharacters.code,
                    InvalidCharacters.message,
                    {"errors": nul_errors(refused)},
                )
            return HttpResponseBadRequest(
                str(InvalidCharacters.message), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)

    @staticmethod
    def refused(request: HttpRequest) -> list[tuple[str, ...]]:
        refused: list[tuple[str, ...]] = []
        if NUL in request.path_info:
            refused.append(("path",))
        sources = [("query", request.GET), ("cookie", request.COOKIES)]
        if request.method == "POST" and not is_api(request):
            sources.append(("form", request.POST))
        for source, data in sources:
            items = data.lists() if hasattr(data, "lists") else data.items()
            for key, values in items:
                if next(nul_locations([key, values]), None) is not None:
                    refused.append((source, key.replace(NUL, "\\x00")))
        return refused
