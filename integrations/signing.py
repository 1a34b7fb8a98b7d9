"""The signature on every delivery: ``Shouchuang-Signature: t=<unix time>,v1=<hex>``, where
``<hex>`` is HMAC-SHA256 of ``"<t>.<body>"`` with the endpoint's secret. A receiver recomputes
it over the raw body and refuses a timestamp older than a few minutes (a replayed capture)."""

import hashlib
import hmac

SIGNATURE_HEADER = "Shouchuang-Signature"
EVENT_HEADER = "Shouchuang-Event"
DELIVERY_HEADER = "Shouchuang-Delivery"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
