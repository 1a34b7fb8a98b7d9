"""How the API reads a request: JSON bodies only as JSON, form fields without NUL characters."""

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from .errors import InvalidCharacters, UnsupportedMediaType
from .text import NUL, nul_errors, nul_locations


def is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class ApiParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        # A body declared as something else (text/plain is what a cross-site form can send
        # without asking) is not read as JSON. ninja's own parts of a multipart body come
        # without a content type of their own and are read as before.
        content_type = getattr(request, "content_type", None)
        if content_type and not is_json(content_type):
            raise UnsupportedMediaType(
                detail={"content_type": content_type, "expected": "application/json"}
            )
        return super().parse_body(request)

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        # Form fields (and, again, the query string core.middleware has already checked).
        source = "query" if data is request.GET else "form"
        refused = [
            (source, key.replace(NUL, "\\x00"))
            for key, values in data.lists()
            if next(nul_locations([key, *values]), None) is not None
        ]
        if refused:
            raise InvalidCharacters(detail={"errors": nul_errors(refused)})
        return super().parse_querydict(data, list_fields, request)
