"""Lots: a batch's pieces packed under a printed code, and what a material lot's arrival starts.

Rules:
- A material lot (materials out to the workshop) is packed for a claimed or in-production
  batch and has no household shares.
- A finished lot (pieces back) is packed for a batch in production or further; its household
  shares add up to the lot quantity, and no household is packed beyond what it returned on the
  batch. The batch row is locked, so two packers cannot both use the same returned pieces.
- A lead packs only for its own workshop's batches (others' are 404).
- A lot holds at least one piece (0 is a 400 ``lot_quantity_invalid``, before anything is
  locked).
- A lot code is 40 random bits, drawn again on a collision (and only on a collision).
- A material lot's arrival starts production (claimed → in production) through the orders
  app's services; a batch no longer waiting to start is not an error.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import Conflict, NotFound
from orders.models import Batch
from orders.services import BatchNotFound, BatchTransitionRefused, batch_transition
from workshops.models import Household

from .. import codes
from ..errors import (
    HouseholdNotInBatch,
    LotBatchNotReady,
    LotQuantityInvalid,
    LotShareAboveReturned,
    LotSharesMismatch,
    LotSharesNotAllowed,
)
from ..models import Lot, LotShare
from ..selectors import packed_pieces_by_household, returned_pieces_by_household

Role = User.Role

MATERIAL_BATCH_STATUSES = {Batch.Status.CLAIMED, Batch.Status.IN_PRODUCTION}
FINISHED_BATCH_STATUSES = {
    Batch.Status.IN_PRODUCTION,
    Batch.Status.RETURNED,
    Batch.Status.INSPECTED,
}


def _batch_for_update(*, actor: User, batch_id: int) -> Batch:
    """The batch, locked, if the actor may pack lots for it (a lead only its own workshop's)."""
    batch = (
        Batch.objects.select_for_update(of=("self",))
        .select_related("order", "workshop__organisation")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or batch.workshop_id is None:
        raise BatchNotFound(detail={"batch_id": batch_id})
    if actor.role == Role.LEAD and batch.workshop.organisation_id != actor.organisation_id:
        raise BatchNotFound(detail={"batch_id": batch_id})
    return batch


@transaction.atomic
def lot_create(
    *,
    actor: User,
    batch_id: int,
    kind: str,
    quantity: int,
    shares: list[dict[str, int]] | None = None,
) -> Lot:
    """Pack a material lot (out to the workshop) or a finished lot (back, with household shares).

    Finished shares must add up to the lot quantity, and no household may be packed beyond
    what it returned on the batch; the batch row is locked so two packers cannot both use the
    same returned pieces.
    """
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    if quantity < 1:
        # Refused here, not by the database: its check constraint would surface as an
        # IntegrityError that the code-collision retry below cannot tell apart.
        raise LotQuantityInvalid(detail={"quantity": quantity})
    batch = _batch_for_update(actor=actor, batch_id=batch_id)
    shares = shares or []
    if kind == Lot.Kind.MATERIAL:
        if shares:
            raise LotSharesNotAllowed()
        if batch.status not in MATERIAL_BATCH_STATUSES:
            raise LotBatchNotReady(detail={"batch_id": batch_id, "status": batch.status})
    else:
        if batch.status not in FINISHED_BATCH_STATUSES:
            raise LotBatchNotReady(detail={"batch_id": batch_id, "status": batch.status})
        _check_shares(batch=batch, quantity=quantity, shares=shares)
    lot = _lot_insert(actor=actor, batch=batch, kind=kind, quantity=quantity)
    if shares:
        LotShare.objects.bulk_create(
            LotShare(lot=lot, household_id=share["household_id"], quantity=share["quantity"])
            for share in shares
        )
    return lot


def _check_shares(*, batch: Batch, quantity: int, shares: list[dict[str, int]]) -> None:
    by_household: dict[int, int] = {}
    for share in shares:
        by_household[share["household_id"]] = (
            by_household.get(share["household_id"], 0) + share["quantity"]
        )
    if sum(by_household.values()) != quantity or len(by_household) != len(shares):
        raise LotSharesMismatch(
            detail={"quantity": quantity, "shares_total": sum(by_household.values())}
        )
    members = set(
        Household.objects.filter(
            pk__in=list(by_household), workshop_id=batch.workshop_id
        ).values_list("pk", flat=True)
    )
    for household_id in by_household:
        if household_id not in members:
            raise HouseholdNotInBatch(detail={"household_id": household_id})
    returned = returned_pieces_by_household(batch_id=batch.pk)
    packed = packed_pieces_by_household(batch_id=batch.pk)
    for household_id, pieces in by_household.items():
        available = returned.get(household_id, 0) - packed.get(household_id, 0)
        if pieces > available:
            raise LotShareAboveReturned(
                detail={
                    "household_id": household_id,
                    "share": pieces,
                    "returned": returned.get(household_id, 0),
                    "already_packed": packed.get(household_id, 0),
                }
            )


def _lot_insert(*, actor: User, batch: Batch, kind: str, quantity: int) -> Lot:
    # 40 random bits: a collision is rare but possible, so retry on the unique constraint.
    for _attempt in range(5):
        code = codes.new_code()
        try:
            with transaction.atomic():
                return Lot.objects.create(
                    code=code,
                    kind=kind,
                    batch=batch,
                    workshop_id=batch.workshop_id,
                    quantity=quantity,
                    created_by=actor,
                )
        except IntegrityError:
            if not Lot.objects.filter(code=code).exists():
                raise  # another constraint: not a collision, retrying would only hide it
    raise RuntimeError("could not draw a unique lot code")  # pragma: no cover


# --- Production start on the material lot's arrival ------------------------------------------


def batch_start_production(*, batch_id: int, actor: User) -> bool:
    """Claimed → in production (the orders app's service when it has one). False if the batch
    was not waiting to start (already started, released, cancelled)."""
    from orders import services as orders_services

    start = getattr(orders_services, "batch_start_production", None)
    try:
        if start is not None:
            start(batch_id=batch_id, actor=actor)
        else:
            batch_transition(
                batch_id=batch_id,
                from_status=Batch.Status.CLAIMED,
                to_status=Batch.Status.IN_PRODUCTION,
                actor=actor,
                reason="material_lot_received",
                production_started_at=timezone.now(),
            )
    except (BatchTransitionRefused, Conflict, NotFound):
        return False
    return True
