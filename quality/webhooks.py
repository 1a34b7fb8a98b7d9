"""The webhook events quality owns (lot.shipped, lot.inspected): payloads built from the lots
and inspections just recorded, sent to the order's merchant once the write commits."""

from datetime import datetime

from django.db import transaction
from django.db.models import Subquery

from integrations.events import (
    LOT_INSPECTED,
    LOT_SHIPPED,
    LotInspectedData,
    LotShippedData,
    webhook_event_emit,
)
from integrations.models import WebhookEndpoint

from .models import Inspection, Lot


def emit_lots_shipped(*, shipped: dict[int, datetime]) -> None:
    """``shipped``: lot id → when the scan that moved it to shipped was recorded.

    Looked up after the scans commit, so that a new scan stays one statement (quality/scans.py)
    and a request that records no shipment reads nothing more.
    """
    if shipped:
        transaction.on_commit(lambda: _emit_shipped_now(shipped))


def _subscribed_merchants(lot_ids: list[int]) -> set[int]:
    """The merchants of these lots' orders with an active endpoint for ``lot.shipped``: one
    query, which reads no lot's row when nobody subscribed (most scans)."""
    merchants = Lot.objects.filter(pk__in=lot_ids).values("batch__order__merchant_id")
    rows = WebhookEndpoint.objects.filter(
        organisation_id__in=Subquery(merchants), is_active=True
    ).values_list("organisation_id", "events")
    return {merchant_id for merchant_id, events in rows if LOT_SHIPPED in events}


def _emit_shipped_now(shipped: dict[int, datetime]) -> None:
    subscribed = _subscribed_merchants(list(shipped))
    if not subscribed:
        return
    lots = Lot.objects.filter(
        pk__in=list(shipped), batch__order__merchant_id__in=subscribed
    ).select_related("batch__order")
    for lot in lots:
        if lot.batch.order.merchant_id not in subscribed:
            continue
        webhook_event_emit(
            merchant_id=lot.batch.order.merchant_id,
            event=LOT_SHIPPED,
            data=LotShippedData(
                code=lot.code,
                kind=lot.kind,
                order_id=lot.batch.order_id,
                batch_id=lot.batch_id,
                quantity=lot.quantity,
                shipped_at=shipped[lot.pk],
            ),
        )


def emit_lot_inspected(*, lot: Lot, inspection: Inspection) -> None:
    """``lot`` with its batch and order at hand."""
    webhook_event_emit(
        merchant_id=lot.batch.order.merchant_id,
        event=LOT_INSPECTED,
        data=LotInspectedData(
            code=lot.code,
            order_id=lot.batch.order_id,
            batch_id=lot.batch_id,
            quantity=lot.quantity,
            verdict=inspection.verdict,
            round=inspection.round,
            sample_size=inspection.sample_size,
            nonconforming=inspection.nonconforming,
            critical=inspection.critical,
            inspected_at=inspection.created_at,
        ),
    )
