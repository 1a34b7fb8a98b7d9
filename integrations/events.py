"""The webhook events, their payloads, and how an app emits one.

The app that owns an event builds its ``data`` with the schema below and calls
``webhook_event_emit`` inside its own transaction; on commit (never for a rollback) one delivery
row is written per active endpoint of the merchant subscribed to it, and the delivery task is
sent. Every delivery's body is ``WebhookEnvelope``: ``{"id", "type", "created_at", "data"}``.
"""

import uuid
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

ORDER_PUBLISHED = "order.published"
BATCH_CLAIMED = "batch.claimed"
LOT_SHIPPED = "lot.shipped"
LOT_INSPECTED = "lot.inspected"
ORDER_COMPLETED = "order.completed"
PAYOUT_APPROVED = "payout.approved"

EVENTS = {
    ORDER_PUBLISHED: _("订单已发布"),
    BATCH_CLAIMED: _("批次已被认领"),
    LOT_SHIPPED: _("货批已发出"),
    LOT_INSPECTED: _("货批已检验"),
    ORDER_COMPLETED: _("订单已完成"),
    PAYOUT_APPROVED: _("结算期已审核"),
}


class OrderPublishedData(Schema):
    order_id: int
    product_name: str
    quantity: int
    fee_per_piece: str = Field(description='yuan per piece, a string decimal e.g. "0.35"')
    deadline: date
    batches: int
    published_at: datetime


class BatchClaimedData(Schema):
    order_id: int
    batch_id: int
    batch_number: int
    quantity: int
    workshop: str  # the workshop's (village's) name: an organisation, never a person
    claimed_at: datetime


class LotShippedData(Schema):
    code: str
    kind: str  # material | finished
    order_id: int
    batch_id: int
    quantity: int
    shipped_at: datetime


class LotInspectedData(Schema):
    code: str
    order_id: int
    batch_id: int
    quantity: int
    verdict: str  # accepted | rejected
    round: int
    sample_size: int
    nonconforming: int
    critical: int
    inspected_at: datetime


class OrderCompletedData(Schema):
    order_id: int
    product_name: str
    quantity: int
    completed_at: datetime


class PayoutOrderLine(Schema):
    order_id: int
    accepted_pieces: int
    owed: str = Field(description='yuan, exact to the fen, e.g. "12.50"')


class PayoutApprovedData(Schema):
    period_id: int
    starts_on: date
    ends_on: date
    approved_at: datetime
    owed: str = Field(description="what this merchant owes for the period, yuan")
    orders: list[PayoutOrderLine]


EVENT_SCHEMAS: dict[str, type[Schema]] = {
    ORDER_PUBLISHED: OrderPublishedData,
    BATCH_CLAIMED: BatchClaimedData,
    LOT_SHIPPED: LotShippedData,
    LOT_INSPECTED: LotInspectedData,
    ORDER_COMPLETED: OrderCompletedData,
    PAYOUT_APPROVED: PayoutApprovedData,
}


class WebhookEnvelope(Schema):
    """The body of every delivery; ``data`` is the event's own schema."""

    id: uuid.UUID
    type: str
    created_at: datetime
    data: dict


def webhook_subscribers(*, event: str, merchant_ids: set[int]) -> set[int]:
    """Which of ``merchant_ids`` have an active endpoint for ``event``: one query, so that a
    bulk write (a phone's queue of scans) builds payloads only for those."""
    from .models import WebhookEndpoint

    if not merchant_ids:
        return set()
    rows = WebhookEndpoint.objects.filter(
        organisation_id__in=merchant_ids, is_active=True
    ).values_list("organisation_id", "events")
    return {merchant_id for merchant_id, events in rows if event in events}


def webhook_event_emit(*, merchant_id: int, event: str, data: Schema) -> None:
    """Deliver ``event`` to the merchant's endpoints once the caller's transaction commits."""
    if not isinstance(data, EVENT_SCHEMAS[event]):
        raise TypeError(f"{event} carries {EVENT_SCHEMAS[event].__name__}")
    body = {
        "id": str(uuid.uuid4()),
        "type": event,
        "created_at": timezone.now().isoformat(),
        "data": data.model_dump(mode="json"),
    }
    transaction.on_commit(lambda: _deliveries_create(merchant_id=merchant_id, body=body))


def _deliveries_create(*, merchant_id: int, body: dict) -> None:
    from .webhooks import webhook_deliveries_create

    webhook_deliveries_create(merchant_id=merchant_id, body=body)
