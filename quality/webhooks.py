"""The webhook events quality owns (lot.shipped, lot.inspected): payloads built from the lots
and inspections just recorded, sent to the order's merchant once the write commits."""

from datetime import datetime

from django.db import transaction

from integrations.events import (
    LOT_INSPECTED,
    LOT_SHIPPED,
    LotInspectedData,
    LotShippedData,
    webhook_event_emit,
    webhook_subscribers,
)

from .models import Inspection, Lot


def emit_lots_shipped(*, shipped: dict[int, datetime]) -> None:
    """``shipped``: lot id → when the scan that moved it to shipped was recorded.

    Looked up after the scans commit, so that a new scan stays one statement (quality/scans.py)
    and a request that records no shipment reads nothing more.
    """
    if shipped:
        transaction.on_commit(lambda: _emit_shipped_now(shipped))


def _emit_shipped_now(shipped: dict[int, datetime]) -> None:
    lots = list(Lot.objects.filter(pk__in=list(shipped)).select_related("batch__order"))
    merchants = {lot.batch.order.merchant_id for lot in lots}
    subscribed = webhook_subscribers(event=LOT_SHIPPED, merchant_ids=merchants)
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
