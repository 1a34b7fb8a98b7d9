"""A fake SMS gateway for tests and the demo: it plays a phone, posting a text to our inbound
webhook exactly as a real gateway would (signed with ``SMS_INBOUND_SECRET``, a fresh message
id, the current time), through the whole request stack, and returns our answer."""

import json
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.test import Client

from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

INBOUND_PATH = "/api/v1/sms/inbound"
DELIVERY_PATH = "/api/v1/sms/delivery"


@dataclass
class GatewayAnswer:
    status: int
    body: dict

    @property
    def reply(self) -> str:
        return self.body.get("reply", "")


def signed_headers(body: bytes, *, timestamp: int | None = None, secret: str | None = None):
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign(timestamp=stamp, body=body, secret=secret),
    }


class FakeGateway:
    def __init__(self, client: Client | None = None) -> None:
        host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
        self.client = client or Client(HTTP_HOST=host.lstrip("."), secure=not settings.DEBUG)

    def post(self, path: str, payload: dict, headers: dict[str, str] | None = None):
        body = json.dumps(payload, ensure_ascii=False).encode()
        response = self.client.post(
            path,
            data=body,
            content_type="application/json",
            headers=signed_headers(body) if headers is None else headers(body),
        )
        return GatewayAnswer(response.status_code, response.json())

    def text(self, number: str, text: str, *, message_id: str | None = None) -> GatewayAnswer:
        """The phone at ``number`` texts ``text``; our answer (the reply is in ``.reply``)."""
        payload = {"id": message_id or f"fake-{uuid.uuid4().hex}", "number": number, "text": text}
        return self.post(INBOUND_PATH, payload)

    def delivered(self, gateway_id: str, status: str = "delivered") -> GatewayAnswer:
        return self.post(DELIVERY_PATH, {"id": gateway_id, "status": status})
