"""Pages are Chinese unless the person chose English with the switch (the language cookie).

The API keeps following Accept-Language (its clients ask for a language on purpose); a phone
browser's Accept-Language says more about where the phone was bought than what its owner reads.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ChineseFirstPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
