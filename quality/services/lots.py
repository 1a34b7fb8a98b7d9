"""Lots: a batch's pieces packed under a printed code, and what a material lot's arrival starts.

Rules:
- A material lot (materials out to the workshop) is packed for a claimed or in-production
  batch and has no household shares.
- A finished lot (pieces back) is packed for a batch in production or further; its household
  shares add up to the lot quantity, and no household is packed beyond what it returned on the
  batch. The batch row is locked, so two packers cannot both use the same returned pieces.
- A lead packs only for its own workshop's batches (others' are 404). A merchant packs the
  materials it sends (material lots only: finished lots are the workshop's, 403
  ``finished_lot_not_merchants``) for its own orders' batches (others' are 404).
- A lot holds at least one piece (0 is a 400 ``lot_quantity_invalid``, before anything is
  locked).
- A lot code is 40 random bits, drawn again on a collision.
- A material lot's arrival scan counts as of its device time (offline truth, docs/orders.md):
  through the orders app's ``batch_materials_arrived`` it starts the batch's production for
  the workshop the lot was sent to — giving back that workshop's claim if it expired while the
  phone was offline and nobody claimed the batch since. When the batch has moved on (another
  workshop holds it, it was released or cancelled) the scan is kept and a ``ScanException``
  puts it in front of an operator, the lot marked for return. Never an error for the phone.
- An operator resolves an exception once, with a note.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict
from orders.models import Batch
from orders.services import BatchNotFound, MaterialsArrival, batch_materials_arrived
from workshops.models import Household

from .. import codes
from ..accounting import lost_pieces_by_household
from ..errors import (
    FinishedLotNotMerchants,
    HouseholdNotInBatch,
    LotBatchNotReady,
    LotQuantityInvalid,
    LotShareAboveReturned,
    LotSharesMismatch,
    LotSharesNotAllowed,
)
from ..models import Lot, LotShare, ScanEvent, ScanException
from ..selectors import (
    packed_pieces_by_household,
    returned_pieces_by_household,
    scan_exception_get,
)

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
    if actor.role == Role.MERCHANT and batch.order.merchant_id != actor.organisation_id:
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
    ensure_role(actor, Role.LEAD, Role.OPERATOR, Role.MERCHANT)
    if actor.role == Role.MERCHANT and kind != Lot.Kind.MATERIAL:
        raise FinishedLotNotMerchants(detail={"kind": kind})
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
    if kind == Lot.Kind.MATERIAL and actor.role != Role.LEAD:
        transaction.on_commit(lambda: _notify_materials_sent(lot.pk))
    if shares:
        LotShare.objects.bulk_create(
            LotShare(lot=lot, household_id=share["household_id"], quantity=share["quantity"])
            for share in shares
        )
    return lot


def _notify_materials_sent(lot_id: int) -> None:
    """Tell the holding workshop's lead that materials are on their way, with the lot code."""
    from accounts.notifications import notify_user

    lot = Lot.objects.select_related("batch__order", "workshop__lead").filter(pk=lot_id).first()
    if lot is None or lot.workshop.lead is None:
        return
    notify_user(
        user=lot.workshop.lead,
        kind="materials_sent",
        text=_(
            "物料已打包发出：「{product} 第{number}批」{quantity} 件，货批码 {code}。"
            "到货后请扫码，或在批次页点「收到物料」。"
        ).format(
            product=lot.batch.order.product_name,
            number=lot.batch.number,
            quantity=lot.quantity,
            code=lot.code,
        ),
        data={"batch_id": lot.batch_id, "lot_code": lot.code},
    )


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
    lost = lost_pieces_by_household(batch_id=batch.pk)  # returned, then lost before packing
    for household_id, pieces in by_household.items():
        available = (
            returned.get(household_id, 0) - packed.get(household_id, 0) - lost.get(household_id, 0)
        )
        if pieces > available:
            raise LotShareAboveReturned(
                detail={
                    "household_id": household_id,
                    "share": pieces,
                    "returned": returned.get(household_id, 0),
                    "already_packed": packed.get(household_id, 0),
                    "lost": lost.get(household_id, 0),
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


# --- A material lot's arrival ---------------------------------------------------------------


def material_lots_received(*, events: list[ScanEvent], actor: User) -> list[ScanException]:
    """Of a scan request's new ``events``, the applied ``received`` scans of material lots:
    start their batches' production as of each scan's device time, or record why not (one
    ``ScanException`` per scan that cannot count).

    Called by the scan ingest inside its transaction, after the events are inserted. Earliest
    device time first, so a batch's production starts at its first arrival.
    """
    received = [e for e in events if e.applied and e.action == ScanEvent.Action.RECEIVED]
    lots = {
        lot.pk: lot
        for lot in Lot.objects.filter(
            pk__in={e.lot_id for e in received}, kind=Lot.Kind.MATERIAL
        ).only("batch_id", "workshop_id")
    }
    arrivals = [e for e in received if e.lot_id in lots]
    if not arrivals:
        return []
    raised: list[tuple[ScanEvent, Lot, MaterialsArrival]] = []
    for event in sorted(arrivals, key=lambda e: (e.device_time, e.lot_id, e.key)):
        lot = lots[event.lot_id]
        arrival = batch_materials_arrived(
            batch_id=lot.batch_id,
            workshop_id=lot.workshop_id,
            received_at=event.device_time,
            actor=actor,
        )
        if arrival.is_exception:
            raised.append((event, lot, arrival))
    if not raised:
        return []
    # Every event inserted by the ingest carries its id (quality.scans._insert_events).
    return ScanException.objects.bulk_create(
        ScanException(
            scan_id=event.pk,
            lot_id=lot.pk,
            batch_id=lot.batch_id,
            workshop_id=lot.workshop_id,
            holder_id=arrival.holder_id,
            reason=arrival.outcome,
            batch_status=arrival.batch_status,
        )
        for event, lot, arrival in raised
    )


class ResolutionNoteRequired(BadRequest):
    code = "resolution_note_required"
    message = _("请写明处理结果（如原料包已退回服务中心）。")


class ScanExceptionResolved(Conflict):
    code = "scan_exception_resolved"
    message = _("这个异常已经处理过了。")


@transaction.atomic
def scan_exception_resolve(*, actor: User, exception_id: int, note: str) -> ScanException:
    """An operator settles an exception (e.g. the lot went back to the service center)."""
    ensure_role(actor, Role.OPERATOR)
    exception = scan_exception_get(viewer=actor, exception_id=exception_id)
    note = note.strip()
    if not note:
        raise ResolutionNoteRequired()
    now = timezone.now()
    if not ScanException.objects.filter(pk=exception.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=actor, resolution_note=note[:200]
    ):
        raise ScanExceptionResolved(detail={"exception_id": exception.pk})
    return scan_exception_get(viewer=actor, exception_id=exception.pk)
