"""Closing batches and completing orders: by rule, never by hand.

Rules:
- A batch closes (inspected → closed) when quality says every one of its pieces is accounted
  for: accepted and delivered, rejected and disposed, or lost with a reason, and nothing waits
  for rework. Quality decides that (it knows lots, verdicts and receipts) and calls
  ``batch_close`` from the services that account for pieces: a receipt, a disposal, a loss.
- An order completes (published → completed) when every batch is closed or cancelled and at
  least one closed (an order whose batches were all cancelled is cancelled, not completed).
- Both moves are conditional UPDATEs with an event row (``BatchEvent``, ``OrderEvent``); when
  two callers race (two receipts closing the last two batches), exactly one UPDATE matches.
- ``batch_settler_register``: quality hands in its "settle this batch if it can" function when
  the project starts, so that a batch marked returned after its lots were already received
  closes too, without orders importing quality.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..models import Batch, Order, OrderEvent
from ..webhooks import emit_order_completed
from .batches import batch_transition

DONE_BATCH_STATUSES = (Batch.Status.CLOSED, Batch.Status.CANCELLED)

_batch_settlers: list[Callable[..., object]] = []


def batch_settler_register(settler: Callable[..., object]) -> None:
    """Set the function called as ``settler(batch_id=, actor=)`` after a batch is returned."""
    _batch_settlers[:] = [settler]


def batch_settle(*, batch_id: int, actor: User | None) -> None:
    """Ask quality whether the batch can move on (inspected / closed) now; no-op without it."""
    if _batch_settlers:
        _batch_settlers[0](batch_id=batch_id, actor=actor)


@transaction.atomic
def batch_close(*, batch_id: int, actor: User | None, reason: str) -> Batch:
    """inspected → closed (guarded, with its event), then complete the order if it is done."""
    batch = batch_transition(
        batch_id=batch_id,
        from_status=Batch.Status.INSPECTED,
        to_status=Batch.Status.CLOSED,
        actor=actor,
        reason=reason,
    )
    order_complete_if_done(order_id=batch.order_id, actor=actor)
    return batch


@transaction.atomic
def order_complete_if_done(*, order_id: int, actor: User | None) -> bool:
    """published → completed when every batch is closed or cancelled (and one is closed).

    The order row is locked so that two batches closing at once both see each other's close;
    the UPDATE is guarded on the status. True when this call completed the order.
    """
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PUBLISHED:
        return False
    statuses = set(Batch.objects.filter(order_id=order_id).values_list("status", flat=True))
    if not statuses or not statuses <= set(DONE_BATCH_STATUSES):
        return False
    if Batch.Status.CLOSED not in statuses:
        return False
    now = timezone.now()
    won = Order.objects.filter(pk=order_id, status=Order.Status.PUBLISHED).update(
        status=Order.Status.COMPLETED, completed_at=now
    )
    if not won:
        return False
    OrderEvent.objects.create(
        order_id=order_id,
        from_status=Order.Status.PUBLISHED,
        to_status=Order.Status.COMPLETED,
        actor=actor,
        reason="all_batches_done",
        at=now,
    )
    order.status, order.completed_at = Order.Status.COMPLETED, now
    emit_order_completed(order=order)
    return True
