"""Writes for webhooks: endpoints, delivery rows, and each attempt to deliver one.

A delivery row is the unit of work. ``webhook_delivery_attempt`` takes its id and may be run
twice, or killed at any point and run again: an attempt is first claimed by one conditional
UPDATE (pending and due, or sending with its lease run out), the HTTP call is made outside any
transaction, and its outcome is written only if the attempt is still the row's latest. A crash
between the receiver's answer and our write means the event is sent again: deliveries are
at least once, and the event id (the same in retries and replays) lets a receiver skip a repeat.
"""

import json
import secrets
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import BadRequest, Conflict, NotFound

from . import ssrf
from .events import EVENTS
from .keys import merchant_of
from .models import WebhookDelivery, WebhookEndpoint
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature_header

Status = WebhookDelivery.Status
SECRET_PREFIX = "whsec_"


class UnknownEvent(BadRequest):
    code = "webhook_unknown_event"
    message = _("未知的推送事件。")


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    message = _("未找到该推送地址，或不属于您。")


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    message = _("未找到该推送记录，或不属于您。")


class WebhookEndpointDisabled(Conflict):
    code = "webhook_endpoint_disabled"
    message = _("该推送地址已停用，请先启用。")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_attempts() -> int:
    return _setting("WEBHOOK_MAX_ATTEMPTS", 8)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base × 2^(attempts−1), capped."""
    base = _setting("WEBHOOK_BACKOFF_SECONDS", 30)
    cap = _setting("WEBHOOK_BACKOFF_MAX_SECONDS", 6 * 3600)
    return timedelta(seconds=min(base * 2 ** (attempts - 1), cap))


# --- endpoints --------------------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, url: str, events: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register ``url`` for ``events``; the signing secret is returned once."""
    organisation = merchant_of(actor)
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise UnknownEvent(detail={"unknown": unknown, "allowed": sorted(EVENTS)})
    url = url.strip()
    ssrf.resolve_target(url)  # 400 for a private, loopback or unresolvable address
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        events=sorted(set(events)),
        secret=secret,
        created_by=actor,
    )
    return endpoint, secret


def _own_endpoint(actor: User, endpoint_id: int) -> WebhookEndpoint:
    organisation = merchant_of(actor)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, organisation=organisation).first()
    if endpoint is None:
        raise WebhookEndpointNotFound(detail={"endpoint_id": endpoint_id})
    return endpoint


@transaction.atomic
def webhook_endpoint_set_active(*, actor: User, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Switch an endpoint off, or on again (its failure count starts afresh)."""
    endpoint = _own_endpoint(actor, endpoint_id)
    if active:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=True, consecutive_failures=0, disabled_at=None
        )
    else:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, disabled_at=timezone.now()
        )
    endpoint.refresh_from_db()
    return endpoint


# --- deliveries -------------------------------------------------------------------------------


def _send(delivery_ids: list[int], countdown: float | None = None) -> None:
    from celery import current_app as app

    from .tasks import webhook_deliver_task

    for delivery_id in delivery_ids:
        if countdown is None:
            webhook_deliver_task.delay(delivery_id)
        elif not app.conf.task_always_eager:
            # In-process (no broker) a retry would run at once: beat's sweep sends it when due.
            webhook_deliver_task.apply_async((delivery_id,), countdown=countdown)


def webhook_deliveries_create(*, merchant_id: int, body: dict) -> list[int]:
    """One pending delivery per active endpoint of the merchant subscribed to the event."""
    event = body["type"]
    endpoints = [
        endpoint.pk
        for endpoint in WebhookEndpoint.objects.filter(
            organisation_id=merchant_id, is_active=True
        ).only("pk", "events")
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    with transaction.atomic():
        deliveries = [
            WebhookDelivery.objects.create(
                endpoint_id=endpoint_id,
                event=event,
                event_id=body["id"],
                payload=body,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint_id in endpoints
        ]
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _send(ids))
    return ids


@transaction.atomic
def webhook_delivery_replay(*, actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery row (same event id and body)."""
    organisation = merchant_of(actor)
    original = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, endpoint__organisation=organisation)
        .first()
    )
    if original is None:
        raise WebhookDeliveryNotFound(detail={"delivery_id": delivery_id})
    if not original.endpoint.is_active:
        raise WebhookEndpointDisabled(detail={"endpoint_id": original.endpoint_id})
    now = timezone.now()
    replay = WebhookDelivery.objects.create(
        endpoint=original.endpoint,
        event=original.event,
        event_id=original.event_id,
        payload=original.payload,
        next_attempt_at=now,
        replay_of=original,
        created_at=now,
    )
    transaction.on_commit(lambda: _send([replay.pk]))
    return replay


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the next attempt of a delivery: one conditional UPDATE decides among racers."""
    due = Q(status=Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    stale = Q(status=Status.SENDING, lease_until__lt=now)
    lease = timedelta(seconds=_setting("WEBHOOK_TIMEOUT_SECONDS", 10) + 60)
    claimed = WebhookDelivery.objects.filter(
        due | stale, pk=delivery_id, endpoint__is_active=True
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, lease_until=now + lease)
    return bool(claimed)


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """Make the delivery's next attempt if it is due; idempotent (see the module's notes)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=Status.PENDING, endpoint__is_active=False
        ).update(status=Status.FAILED, next_attempt_at=None, last_error="endpoint disabled")
        return WebhookDelivery.objects.get(pk=delivery_id)
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Shouchuang-Webhooks/1",
        SIGNATURE_HEADER: signature_header(secret=endpoint.secret, timestamp=timestamp, body=body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
    }
    code, error = None, ""
    try:
        code = ssrf.post(
            endpoint.url,
            body=body,
            headers=headers,
            timeout=_setting("WEBHOOK_TIMEOUT_SECONDS", 10),
        )
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except ssrf.WebhookUrlNotAllowed as exc:
        error = str(exc.message)
    except ssrf.WebhookUrlUnresolvable:
        error = "host not resolvable"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    return _record_outcome(delivery=delivery, code=code, error=error, now=now)


@transaction.atomic
def _record_outcome(
    *, delivery: WebhookDelivery, code: int | None, error: str, now: datetime
) -> WebhookDelivery:
    ours = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts
    )
    endpoint = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if not error:
        if ours.update(
            status=Status.SUCCEEDED,
            response_code=code,
            last_error="",
            next_attempt_at=None,
            lease_until=None,
            delivered_at=now,
        ):
            endpoint.update(consecutive_failures=0)
        return WebhookDelivery.objects.get(pk=delivery.pk)
    retry = delivery.attempts < max_attempts()
    changes = {"response_code": code, "last_error": error[:300], "lease_until": None}
    if retry:
        wait = backoff(delivery.attempts)
        changes.update(status=Status.PENDING, next_attempt_at=now + wait)
    else:
        changes.update(status=Status.FAILED, next_attempt_at=None)
    if not ours.update(**changes):
        return WebhookDelivery.objects.get(pk=delivery.pk)  # overtaken by a later attempt
    endpoint.update(consecutive_failures=F("consecutive_failures") + 1)
    limit = _setting("WEBHOOK_DISABLE_AFTER_FAILURES", 10)
    switched_off = endpoint.filter(is_active=True, consecutive_failures__gte=limit).update(
        is_active=False, disabled_at=now
    )
    if switched_off:
        # Nothing more goes out to it until the merchant switches it on again.
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id, status=Status.PENDING
        ).update(status=Status.FAILED, next_attempt_at=None, last_error="endpoint disabled")
    elif retry:
        delivery_id = delivery.pk
        transaction.on_commit(lambda: _send([delivery_id], countdown=wait.total_seconds()))
    return WebhookDelivery.objects.get(pk=delivery.pk)


def webhook_deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries whose attempt is due (or whose attempt's worker died): beat sends them."""
    now = now or timezone.now()
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )
    return list(
        WebhookDelivery.objects.filter(due, endpoint__is_active=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
