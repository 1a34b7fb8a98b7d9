"""Writes for SMS: a text received (logged, answered, the answer logged and sent after the
commit), a reply handed to the gateway, and the gateway's delivery report.

The full number of a sender never reaches the database (``number_masked`` and the keyed
``number_key`` do); the reply's send gets it from the request that brought the text.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.notifications import Notice, deliver, user_language
from core.privacy import mask_phone
from workshops.selectors import household_language

from . import commands
from .errors import MessageNotFound, Replayed
from .models import SmsMessage
from .phones import normalise
from .selectors import households_by_number, leads_by_number
from .signing import number_key

Direction = SmsMessage.Direction
Status = SmsMessage.Status

BODY_MAX = 1000
REPLY_KIND = "sms_reply"


def reply_language(number: str) -> str:
    """The sender's own language: its household's (or the one language of the households that
    share the number), or its lead's; the site's default for a stranger or a mixed number."""
    languages = {household_language(h) for h in households_by_number(number=number)}
    languages |= {user_language(u) for u in leads_by_number(number=number)}
    return languages.pop() if len(languages) == 1 else settings.LANGUAGE_CODE


@transaction.atomic
def sms_inbound_receive(
    *, gateway_id: str, sender: str, text: str, sent_at: datetime | None = None
) -> SmsMessage:
    """Log a text, run its command, log the reply and send it once this commits.

    The inbound row is written first, under the unique gateway id: of two deliveries of one
    message (a replay, or the gateway's retry racing the original) one runs the command, the
    other is refused 409 ``sms_replayed`` and changes nothing.
    """
    number = normalise(sender)
    key = number_key(number)
    try:
        with transaction.atomic():
            inbound = SmsMessage.objects.create(
                direction=Direction.IN,
                number_masked=mask_phone(number),
                number_key=key,
                body=text[:BODY_MAX],
                gateway_id=gateway_id,
                status=Status.DONE,
                sent_at=sent_at,
            )
    except IntegrityError as exc:
        raise Replayed(detail={"id": gateway_id}) from exc
    with translation.override(reply_language(number)):
        outcome = commands.run(number=number, text=text)
    SmsMessage.objects.filter(pk=inbound.pk).update(
        command=outcome.command,
        status=outcome.status,
        detail=outcome.detail,
        household=outcome.household,
        user=outcome.user,
    )
    reply = SmsMessage.objects.create(
        direction=Direction.OUT,
        number_masked=inbound.number_masked,
        number_key=key,
        body=outcome.reply[:BODY_MAX],
        command=outcome.command,
        status=Status.QUEUED,
        reply_to=inbound,
        household=outcome.household,
        user=outcome.user,
    )
    transaction.on_commit(lambda: sms_reply_send(message_id=reply.pk, phone=number))
    inbound.refresh_from_db()
    return inbound


def sms_reply_send(*, message_id: int, phone: str) -> SmsMessage | None:
    """Hand a queued reply to the notifier's backend; record sent (with the gateway's id) or
    failed. Only a queued reply is sent, so a second call sends nothing twice."""
    message = SmsMessage.objects.filter(
        pk=message_id, direction=Direction.OUT, status=Status.QUEUED
    ).first()
    if message is None:
        return None
    ok, gateway_id = deliver(
        Notice(
            phone=phone,
            text=message.body,
            kind=REPLY_KIND,
            user_id=message.user_id,
            data={"sms_message_id": message.pk},
            ref=str(message.pk),
        )
    )
    SmsMessage.objects.filter(pk=message.pk, status=Status.QUEUED).update(
        status=Status.SENT if ok else Status.FAILED, gateway_id=gateway_id[:64]
    )
    message.refresh_from_db()
    return message


def sms_notice_record(notice: Notice, sent: bool, gateway_id: str) -> SmsMessage | None:
    """Log a notice another app sent to a person's phone (``notify_user``: a lead told of a
    new order, say): every text out is in the log, not only replies. Replies are logged by
    ``sms_inbound_receive`` already (they carry our ``ref``); a notice without a phone is not
    a text, one without a user is not to a person on file. Registered with the notifier in
    ``SmsConfig.ready``."""
    if notice.ref or not notice.phone or notice.user_id is None:
        return None
    number = normalise(notice.phone)
    return SmsMessage.objects.create(
        direction=Direction.OUT,
        number_masked=mask_phone(number),
        number_key=number_key(number),
        body=notice.text[:BODY_MAX],
        status=Status.SENT if sent else Status.FAILED,
        gateway_id=gateway_id[:64],
        user_id=notice.user_id,
        detail={"kind": notice.kind},
    )


DELIVERED = {"delivered"}
UNDELIVERED = {"undelivered", "failed", "expired", "rejected"}


@transaction.atomic
def sms_delivery_record(*, gateway_id: str = "", ref: str = "", status: str) -> int:
    """The gateway's delivery report for a message we sent, named by its id or by our
    ``msg_ref``. Delivered is final: a late "failed" for a delivered message changes nothing.
    Returns how many messages it settled (0 when it was already final); an unknown message is
    404."""
    messages = SmsMessage.objects.filter(direction=Direction.OUT)
    if gateway_id:
        messages = messages.filter(gateway_id=gateway_id)
    elif ref.isdigit():
        messages = messages.filter(pk=int(ref))
    else:
        raise MessageNotFound()
    if not messages.exists():
        raise MessageNotFound(detail={"id": gateway_id or ref})
    delivery = (
        SmsMessage.Delivery.DELIVERED if status in DELIVERED else SmsMessage.Delivery.UNDELIVERED
    )
    return messages.exclude(delivery_status=SmsMessage.Delivery.DELIVERED).update(
        delivery_status=delivery, delivery_at=timezone.now()
    )
