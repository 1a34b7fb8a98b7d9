"""The gateway's signature on what it posts to us, and the keyed hash we file numbers under.

The gateway and we share ``SMS_INBOUND_SECRET``. It sends ``X-Sms-Timestamp`` (Unix seconds)
and ``X-Sms-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>." + raw body``. The
timestamp is inside the signature, so a captured request cannot be re-dated; one older or
newer than ``SMS_INBOUND_MAX_SKEW_SECONDS`` is refused, and within that window the message's
id is seen once (a database constraint), so a replay does nothing.
"""

import hashlib
import hmac
import time

from django.conf import settings

from .errors import SignatureInvalid, TimestampStale

TIMESTAMP_HEADER = "X-Sms-Timestamp"
SIGNATURE_HEADER = "X-Sms-Signature"


def _secret() -> bytes:
    return settings.SMS_INBOUND_SECRET.encode()


def sign(*, timestamp: str, body: bytes, secret: str | None = None) -> str:
    key = secret.encode() if secret is not None else _secret()
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(*, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None):
    """Refuse (401) a request not signed with our secret, or signed too long ago or ahead."""
    if not settings.SMS_INBOUND_SECRET or not signature or timestamp is None:
        raise SignatureInvalid()
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise TimestampStale()
    if not hmac.compare_digest(sign(timestamp=timestamp, body=body), signature):
        raise SignatureInvalid()
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > settings.SMS_INBOUND_MAX_SKEW_SECONDS:
        raise TimestampStale(detail={"max_skew_seconds": settings.SMS_INBOUND_MAX_SKEW_SECONDS})


def number_key(number: str) -> str:
    """A keyed hash of a normalised number: finds its messages and its rate-limit bucket
    without keeping the number (the key is the site's secret, so it cannot be tabled)."""
    return hmac.new(settings.SECRET_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
