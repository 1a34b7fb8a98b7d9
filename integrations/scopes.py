"""What an API key may call: its scopes, and which endpoints each scope covers.

A key is refused (403) on any endpoint no scope of its covers, so a new endpoint is closed to
keys until it is listed here (``tests/integrations`` checks every listed one exists).
Paths are the API's own, below ``/api/v1``, with ninja's ``{param}`` placeholders.
"""

import re

from django.utils.translation import gettext_lazy as _

ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"
QUALITY_READ = "quality:read"

SCOPES = {
    ORDERS_READ: _("读取订单和进度"),
    ORDERS_WRITE: _("创建和发布订单"),
    QUALITY_READ: _("读取质检结果"),
}

# (method, path) → the scope a key needs for it. None: any key may call it.
ENDPOINT_SCOPES: dict[tuple[str, str], str | None] = {
    ("GET", "/me"): None,
    ("GET", "/orders"): ORDERS_READ,
    ("GET", "/orders/{order_id}"): ORDERS_READ,
    ("GET", "/orders/{order_id}/batches"): ORDERS_READ,
    ("GET", "/orders/{order_id}/summary"): ORDERS_READ,
    ("GET", "/batches/{batch_id}"): ORDERS_READ,
    ("GET", "/batches/{batch_id}/events"): ORDERS_READ,
    ("POST", "/orders"): ORDERS_WRITE,
    ("PATCH", "/orders/{order_id}"): ORDERS_WRITE,
    ("POST", "/orders/{order_id}/photos"): ORDERS_WRITE,
    ("POST", "/orders/{order_id}/publish"): ORDERS_WRITE,
    ("POST", "/orders/{order_id}/cancel"): ORDERS_WRITE,
    ("POST", "/orders/{order_id}/batches/cancel"): ORDERS_WRITE,
    ("GET", "/lots"): QUALITY_READ,
    ("GET", "/lots/{code}"): QUALITY_READ,
    ("GET", "/lots/{code}/scans"): QUALITY_READ,
    ("GET", "/lots/{code}/inspections"): QUALITY_READ,
    ("GET", "/inspections/{inspection_id}"): QUALITY_READ,
    ("GET", "/quality/batches/{batch_id}/material-balance"): QUALITY_READ,
}

_DJANGO_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def api_path(django_route: str) -> str:
    """``api/v1/orders/<int:order_id>`` (Django's resolved route) → ``/orders/{order_id}``."""
    path = _DJANGO_PARAM.sub(r"{\1}", django_route)
    path = path.removeprefix("api/v1")
    return "/" + path.strip("/")
