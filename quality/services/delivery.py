"""Goods received, and a batch settling once every piece is accounted for.

Rules:
- The merchant of the order (or an operator) receives a finished lot whose pieces are decided
  with some accepted: accepted at inspection, or sorted. Anything else is 409
  ``lot_not_deliverable`` (not inspected yet, rejected and waiting, back for rework, scrapped,
  a material lot). Checkers do not receive: they are scoped to their region's workshops, not
  to a merchant's goods, and a receipt is the merchant's word that the goods arrived.
- The merchant counts the pieces: ``packed`` is the lot's accepted pieces, ``received`` what
  arrived. A difference (shortfall or surplus) needs a reason (400
  ``delivery_reason_required``); a shortfall counts as pieces lost.
- A lot is received once. The lot row is locked, the receipt is one row per lot (a unique
  constraint is the last word), so of two receipts of one lot exactly one wins; the other is
  409 ``lot_already_received``. The phone's key (UUID) makes a resend harmless: same key and
  same count → the first answer; same key, other lot or count → 409 ``delivery_key_reused``.
- The receipt writes a ``delivered`` custody scan (who, when) and moves the lot to
  ``delivered`` with a guarded UPDATE (a lot already scanned delivered stays so).
- Then the batch settles if it can (``batch_settle_if_accounted``): returned → inspected when
  every piece is packed or lost and every lot decided; inspected → closed when, on top, every
  lot with accepted pieces is received; the order completes when all its batches are closed
  or cancelled (orders' ``batch_close``). Disposals and losses call the same function.
"""

import hashlib
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role
from orders.models import Batch
from orders.services import batch_close, batch_transition

from ..accounting import batch_account, lot_accepted_pieces
from ..errors import (
    DeliveryCountInvalid,
    DeliveryKeyReused,
    DeliveryReasonRequired,
    LotAlreadyReceived,
    LotNotDeliverable,
)
from ..models import Lot, LotDelivery, ScanEvent, ScanKey
from ..selectors import lot_get

Role = User.Role

DELIVERABLE_VERDICTS = (Lot.Verdict.ACCEPTED, Lot.Verdict.SORTED)
MAX_RECEIVED = 1_000_000  # far above any lot; keeps a typo out of the integer column


def _replayed(key: uuid.UUID, *, lot_id: int, received: int) -> LotDelivery | None:
    delivery = LotDelivery.objects.filter(key=key).first()
    if delivery is None:
        return None
    if (delivery.lot_id, delivery.received) != (lot_id, received):
        raise DeliveryKeyReused(detail={"key": str(key)})
    return delivery


@transaction.atomic
def lot_receive(
    *,
    actor: User,
    code: str,
    received: int,
    key: uuid.UUID,
    reason: str = "",
) -> tuple[LotDelivery, bool]:
    """Record that a finished lot arrived with ``received`` pieces. Returns (receipt, created);
    a resend with the same key returns the first receipt (created False)."""
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    lot = lot_get(viewer=actor, code=code)
    if received < 0 or received > MAX_RECEIVED:
        raise DeliveryCountInvalid(detail={"received": received, "maximum": MAX_RECEIVED})
    replay = _replayed(key, lot_id=lot.pk, received=received)
    if replay is not None:
        return replay, False
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    # A racing resend of the same key may have committed while this one waited for the lock.
    replay = _replayed(key, lot_id=lot.pk, received=received)
    if replay is not None:
        return replay, False
    if LotDelivery.objects.filter(lot=lot).exists():
        raise LotAlreadyReceived(detail={"code": lot.code})
    packed = lot_accepted_pieces([lot.pk]).get(lot.pk, 0)
    if lot.kind != Lot.Kind.FINISHED or lot.verdict not in DELIVERABLE_VERDICTS or packed == 0:
        raise LotNotDeliverable(
            detail={"code": lot.code, "kind": lot.kind, "verdict": lot.verdict, "stage": lot.stage}
        )
    reason = reason.strip()[:200]
    if received != packed and not reason:
        raise DeliveryReasonRequired(detail={"packed": packed, "received": received})
    now = timezone.now()
    moved = (
        Lot.objects.filter(pk=lot.pk)
        .exclude(stage=Lot.Stage.DELIVERED)
        .update(stage=Lot.Stage.DELIVERED, stage_changed_at=now)
    )
    body = f"receipt|{lot.code}|{received}|{reason}|{actor.pk}"
    scan = ScanEvent.objects.create(
        key=f"receipt-{key}",
        body_hash=hashlib.sha256(body.encode()).hexdigest(),
        lot=lot,
        action=ScanEvent.Action.DELIVERED,
        device_time=now,
        recorded_at=now,
        actor=actor,
        applied=bool(moved),
        flag="" if moved else ScanEvent.Flag.ALREADY_PAST,
        stage_before=lot.stage,
        stage_after=Lot.Stage.DELIVERED,
        note=reason,
    )
    ScanKey.objects.create(
        key=scan.key, body_hash=scan.body_hash, event_id=scan.pk, recorded_at=scan.recorded_at
    )
    try:
        with transaction.atomic():
            delivery = LotDelivery.objects.create(
                lot=lot,
                packed=packed,
                received=received,
                reason=reason,
                received_by=actor,
                received_at=now,
                key=key,
                scan=scan,
            )
    except IntegrityError:
        # Only where the row lock is not real (SQLite): the other receipt won.
        raise LotAlreadyReceived(detail={"code": lot.code}) from None
    batch_settle_if_accounted(batch_id=lot.batch_id, actor=actor)
    return delivery, True


@transaction.atomic
def batch_settle_if_accounted(*, batch_id: int, actor: User | None) -> str:
    """Move the batch on as far as its pieces allow; returns its status afterwards.

    returned → inspected when every piece is packed or lost and no lot waits; inspected →
    closed (and maybe the order completed) when every lot with accepted pieces is received.
    The batch row is locked, so two receipts finishing the same batch settle it once.
    """
    batch = Batch.objects.select_for_update(of=("self",)).filter(pk=batch_id).first()
    if batch is None or batch.status not in (Batch.Status.RETURNED, Batch.Status.INSPECTED):
        return batch.status if batch else ""
    account = batch_account(batch_id=batch_id)
    status = batch.status
    if status == Batch.Status.RETURNED and account.all_decided:
        batch_transition(
            batch_id=batch_id,
            from_status=Batch.Status.RETURNED,
            to_status=Batch.Status.INSPECTED,
            actor=actor,
            reason="all_lots_decided",
        )
        status = Batch.Status.INSPECTED
    if status == Batch.Status.INSPECTED and account.settled:
        batch_close(batch_id=batch_id, actor=actor, reason="all_pieces_accounted")
        status = Batch.Status.CLOSED
    return status
