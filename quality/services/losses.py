"""Pieces lost outside a ticket, with a reason, so that a batch can account for every piece.

Rules:
- A lead (its own workshop's batches) or an operator records them, on a batch that has started
  and is not closed (in production, returned, inspected); else 409 ``loss_batch_not_ready``.
- A reason is required (400 ``loss_reason_required``), and at least one piece
  (400 ``loss_pieces_invalid``).
- With a household: pieces it returned and that were lost before packing; at most what it
  returned less what is packed and already lost (409 ``loss_above_unaccounted``). Packing
  then counts them as gone (``lot_create`` refuses to pack them).
- Without a household: pieces never made (materials short, spoiled); at most the pieces never
  issued, less losses already recorded so. Only once the batch is returned (no ticket can be
  issued any more): before that, 409 ``loss_household_required`` (pieces still with a
  household are lost on the ticket, with the ticket's own reason).
- The batch row is locked while the figures are read, so two losses cannot both use the same
  pieces. A key (UUID) makes a resend harmless (same key, other content: 409
  ``loss_key_reused``).
- Then the batch settles if it can (quality.services.delivery.batch_settle_if_accounted).
"""

import uuid

from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from accounts.permissions import ensure_role
from orders.models import Batch, Ticket
from workshops.models import Household

from ..accounting import lost_pieces_by_household
from ..errors import (
    HouseholdNotInBatch,
    LossAboveUnaccounted,
    LossBatchNotReady,
    LossHouseholdRequired,
    LossKeyReused,
    LossPiecesInvalid,
    LossReasonRequired,
)
from ..models import PieceLoss
from ..selectors import packed_pieces_by_household, returned_pieces_by_household
from .delivery import batch_settle_if_accounted
from .lots import _batch_for_update

Role = User.Role

LOSS_BATCH_STATUSES = (Batch.Status.IN_PRODUCTION, Batch.Status.RETURNED, Batch.Status.INSPECTED)


def _replayed(key: uuid.UUID, **content) -> PieceLoss | None:
    loss = PieceLoss.objects.filter(key=key).first()
    if loss is None:
        return None
    if (loss.batch_id, loss.household_id, loss.pieces) != (
        content["batch_id"],
        content["household_id"],
        content["pieces"],
    ):
        raise LossKeyReused(detail={"key": str(key)})
    return loss


@transaction.atomic
def piece_loss_record(
    *,
    actor: User,
    batch_id: int,
    pieces: int,
    reason: str,
    household_id: int | None = None,
    key: uuid.UUID | None = None,
) -> tuple[PieceLoss, bool]:
    """Record ``pieces`` of a batch lost, with a reason. Returns (row, created)."""
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    batch = _batch_for_update(actor=actor, batch_id=batch_id)
    if key is not None:
        replay = _replayed(key, batch_id=batch.pk, household_id=household_id, pieces=pieces)
        if replay is not None:
            return replay, False
    if pieces < 1:
        raise LossPiecesInvalid(detail={"pieces": pieces})
    reason = reason.strip()[:200]
    if not reason:
        raise LossReasonRequired()
    if batch.status not in LOSS_BATCH_STATUSES:
        raise LossBatchNotReady(detail={"batch_id": batch.pk, "status": batch.status})
    if household_id is not None:
        if not Household.objects.filter(pk=household_id, workshop_id=batch.workshop_id).exists():
            raise HouseholdNotInBatch(detail={"household_id": household_id})
        returned = returned_pieces_by_household(batch_id=batch.pk).get(household_id, 0)
        packed = packed_pieces_by_household(batch_id=batch.pk).get(household_id, 0)
        lost = lost_pieces_by_household(batch_id=batch.pk).get(household_id, 0)
        available = returned - packed - lost
    else:
        if batch.status == Batch.Status.IN_PRODUCTION:
            raise LossHouseholdRequired(detail={"batch_id": batch.pk})
        issued = Ticket.objects.filter(batch_id=batch.pk).aggregate(n=Sum("issued"))["n"] or 0
        lost = (
            PieceLoss.objects.filter(batch_id=batch.pk, household__isnull=True).aggregate(
                n=Sum("pieces")
            )["n"]
            or 0
        )
        available = batch.quantity - issued - lost
    if pieces > available:
        raise LossAboveUnaccounted(detail={"pieces": pieces, "available": max(available, 0)})
    loss = PieceLoss.objects.create(
        batch=batch,
        household_id=household_id,
        pieces=pieces,
        reason=reason,
        recorded_by=actor,
        key=key,
    )
    batch_settle_if_accounted(batch_id=batch.pk, actor=actor)
    return loss, True
