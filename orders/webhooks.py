"""The webhook events orders owns (order.published, batch.claimed, order.completed): their
payloads, built from the rows just written, sent to the merchant once the write commits."""

from integrations.events import (
    BATCH_CLAIMED,
    ORDER_COMPLETED,
    ORDER_PUBLISHED,
    BatchClaimedData,
    OrderCompletedData,
    OrderPublishedData,
    webhook_event_emit,
)

from .models import Batch, Order
from .schemas import money


def emit_order_published(*, order: Order, batches: int) -> None:
    webhook_event_emit(
        merchant_id=order.merchant_id,
        event=ORDER_PUBLISHED,
        data=OrderPublishedData(
            order_id=order.pk,
            product_name=order.product_name,
            quantity=order.quantity,
            fee_per_piece=money(order.fee_per_piece),
            deadline=order.deadline,
            batches=batches,
            published_at=order.published_at,
        ),
    )


def emit_batch_claimed(*, batch: Batch) -> None:
    """``batch`` with its order and workshop (and the workshop's organisation) at hand."""
    webhook_event_emit(
        merchant_id=batch.order.merchant_id,
        event=BATCH_CLAIMED,
        data=BatchClaimedData(
            order_id=batch.order_id,
            batch_id=batch.pk,
            batch_number=batch.number,
            quantity=batch.quantity,
            workshop=batch.workshop.organisation.name if batch.workshop else "",
            claimed_at=batch.claimed_at or batch.updated_at,
        ),
    )


def emit_order_completed(*, order: Order) -> None:
    webhook_event_emit(
        merchant_id=order.merchant_id,
        event=ORDER_COMPLETED,
        data=OrderCompletedData(
            order_id=order.pk,
            product_name=order.product_name,
            quantity=order.quantity,
            completed_at=order.completed_at,
        ),
    )
