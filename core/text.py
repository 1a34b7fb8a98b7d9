"""Text the database cannot store: the NUL character (U+0000).

PostgreSQL refuses NUL in text and in jsonb, so a request carrying one used to fail deep inside
a query as a 500 (SQLite stored it, quietly different). It is refused at the edge instead, with
400 ``invalid_characters`` and where it was:

- raw HTTP input — the path, the query string, cookies, and the pages' form posts — by
  ``core.middleware.RefuseNulMiddleware``;
- the API's form fields (multipart and urlencoded) by the API's parser (``core.parser``);
- JSON bodies by ``core.schemas.InSchema``, field by field, so that a bulk endpoint judging each
  item on its own (``POST /scans/bulk``) refuses only the item that carries one.
"""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

NUL = "\x00"
NUL_MESSAGE = _("不能包含空字符（NUL）。")

Loc = tuple[str, ...]


def nul_locations(value: Any, loc: Loc = ()) -> Iterator[Loc]:
    """Where in ``value`` (strings, and lists, tuples, sets and dicts of them) a NUL is."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            place = (*loc, str(key).replace(NUL, "\\x00"))
            if isinstance(key, str) and NUL in key:
                yield place
            yield from nul_locations(item, place)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from nul_locations(item, (*loc, str(index)))


def nul_errors(locations: list[Loc]) -> list[dict[str, Any]]:
    """The detail of an ``invalid_characters`` answer, in the shape of validation errors."""
    return [
        {"loc": list(loc), "msg": str(NUL_MESSAGE), "type": "invalid_characters"}
        for loc in locations
    ]
