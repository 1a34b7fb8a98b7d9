"""The SMS gateway's webhooks: texts in, delivery reports. No sign-in: each request carries the
gateway's HMAC signature over its timestamp and body (``sms.signing``), checked before anything
else; then a replay (a message id seen before) is 409, and a number sending more than
``SMS_INBOUND_RATE`` is 429. A refused request writes nothing and sends nothing."""

import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from ninja import Router

from core.privacy import mask_phone
from core.schemas import ErrorOut

from .errors import RateLimited, Replayed
from .phones import normalise
from .schemas import SmsDeliveryIn, SmsDeliveryOut, SmsInboundIn, SmsInboundOut
from .selectors import inbound_seen
from .services import sms_delivery_record, sms_inbound_receive
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, number_key, verify

log = logging.getLogger("shouchuang.sms")

router = Router(tags=["sms"])


def _verify(request: HttpRequest) -> None:
    verify(
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
        body=request.body,
    )


@router.post(
    "/sms/inbound",
    auth=None,
    response={200: SmsInboundOut, 401: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    summary="A text from a phone, posted by the SMS gateway (signed); answers it",
)
def receive_sms(request: HttpRequest, payload: SmsInboundIn):
    _verify(request)
    if inbound_seen(gateway_id=payload.id):
        raise Replayed(detail={"id": payload.id})
    number = normalise(payload.number)
    # Counted per sender, in the cache every web process shares (Redis in production), after
    # the signature: a stranger cannot use up a household's allowance with unsigned posts.
    if is_ratelimited(
        request,
        group="sms.inbound",
        key=lambda _group, _request: number_key(number),
        rate=settings.SMS_INBOUND_RATE,
        increment=True,
    ):
        log.warning("sms from %s refused: over %s", mask_phone(number), settings.SMS_INBOUND_RATE)
        raise RateLimited(detail={"rate": settings.SMS_INBOUND_RATE})
    inbound = sms_inbound_receive(
        gateway_id=payload.id, sender=payload.number, text=payload.text, sent_at=payload.sent_at
    )
    return {
        "id": inbound.pk,
        "command": inbound.command,
        "status": inbound.status,
        "reply": inbound.replies.get().body,
    }


@router.post(
    "/sms/delivery",
    auth=None,
    response={200: SmsDeliveryOut, 401: ErrorOut, 404: ErrorOut},
    summary="The SMS gateway's delivery report for a message we sent (signed)",
)
def record_delivery(request: HttpRequest, payload: SmsDeliveryIn):
    _verify(request)
    updated = sms_delivery_record(gateway_id=payload.id, ref=payload.msg_ref, status=payload.status)
    return {"updated": updated}
