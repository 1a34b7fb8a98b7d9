"""Reads for quality: lots in the viewer's scope, the quality record, the material balance,
scan exceptions."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import scope
from core.errors import NotFound

from . import codes
from .errors import LotCodeCheckFailed, LotCodeInvalid, LotNotFound
from .models import (
    Inspection,
    InspectionPhoto,
    Lot,
    LotShare,
    MaterialTolerance,
    PieceOutcome,
    ScanException,
)

FPY_PLACES = Decimal("0.0001")
STAGE_ORDER = list(Lot.Stage.values)
DEFAULT_TOLERANCE_PERCENT = Decimal("2.00")


def lot_scope(queryset: QuerySet, *, viewer: User, prefix: str = "") -> QuerySet:
    """Lots (or rows reached through ``prefix``) the viewer may see.

    Operators all; a lead its own workshop's; a checker those of the workshops its service
    center serves (its region); a merchant the lots of its own orders.
    """
    return scope(
        queryset,
        viewer=viewer,
        merchant=f"{prefix}batch__order__merchant",
        workshop=f"{prefix}workshop__organisation",
        service_center=f"{prefix}workshop__organisation__service_center",
    )


def parse_code(raw: str) -> str:
    try:
        return codes.normalise(raw)
    except codes.CodeError as exc:
        if exc.reason == "check":
            raise LotCodeCheckFailed(detail={"code": raw}) from None
        raise LotCodeInvalid(detail={"code": raw}) from None


def lot_list(*, viewer: User, batch_id: int | None = None, kind: str | None = None) -> QuerySet:
    lots = (
        lot_scope(Lot.objects.all(), viewer=viewer)
        .select_related("batch__order", "workshop__organisation")
        .prefetch_related("shares__household")
    )
    if batch_id is not None:
        lots = lots.filter(batch_id=batch_id)
    if kind:
        lots = lots.filter(kind=kind)
    return lots.order_by("-created_at", "-pk")


def newest_finished_lots(*, viewer: User, order_id: int) -> dict[int, Lot]:
    """Batch id → its newest finished lot (code, stage, verdict only): where an order's goods
    are, for its page. One query, no shares or households."""
    newest: dict[int, Lot] = {}
    lots = (
        lot_scope(Lot.objects.all(), viewer=viewer)
        .filter(kind=Lot.Kind.FINISHED, batch__order_id=order_id)
        .only("code", "batch_id", "stage", "verdict", "created_at")
        .order_by("-created_at", "-pk")
    )
    for lot in lots:
        newest.setdefault(lot.batch_id, lot)
    return newest


def lot_get(*, viewer: User, code: str) -> Lot:
    normalised = parse_code(code)
    lot = (
        lot_scope(Lot.objects.all(), viewer=viewer)
        .select_related("batch__order", "workshop__organisation")
        .prefetch_related("shares__household")
        .filter(code=normalised)
        .first()
    )
    if lot is None:
        raise LotNotFound(detail={"code": normalised})
    return lot


def lot_get_for_update(*, viewer: User, code: str) -> Lot:
    """The lot the viewer may see, locked with its batch and order (one query): what
    ``lot_get`` finds, without the shares and households it reads for a page."""
    normalised = parse_code(code)
    locked = Lot.objects.select_for_update(of=("self", "batch", "batch__order"))
    lot = (
        lot_scope(locked.select_related("batch__order"), viewer=viewer)
        .filter(code=normalised)
        .first()
    )
    if lot is None:
        raise LotNotFound(detail={"code": normalised})
    return lot


def inspection_get(*, viewer: User, inspection_id: int) -> Inspection:
    from .errors import InspectionNotFound

    inspection = (
        lot_scope(Inspection.objects.all(), viewer=viewer, prefix="lot__")
        .select_related("lot__batch__order", "lot__workshop")
        .prefetch_related("defects", "photos")
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        raise InspectionNotFound(detail={"inspection_id": inspection_id})
    return inspection


def inspection_photo_by_file(*, name: str) -> InspectionPhoto | None:
    """The defect photo stored under ``name`` (its picture or its thumbnail), if any."""
    if not name.startswith("inspections/"):  # the fields' upload_to
        return None
    return InspectionPhoto.objects.filter(Q(image=name) | Q(thumbnail=name)).first()


def inspection_photo_visible(*, viewer: User, photo: InspectionPhoto) -> bool:
    """Whoever may see the inspected lot: its region's checkers, its workshop's lead, the
    order's merchant, operators."""
    photos = InspectionPhoto.objects.filter(pk=photo.pk)
    return lot_scope(photos, viewer=viewer, prefix="inspection__lot__").exists()


# --- What payouts and allocation read ------------------------------------------------------


def _ratio(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(FPY_PLACES, ROUND_HALF_UP)


def first_pass_yield_by_workshop(workshop_ids: list[int]) -> dict[int, Decimal]:
    """First-pass yield per workshop: of the pieces in lots inspected for the first time,
    the share accepted on that first inspection (neither sorted nor reworked).

    A value between 0 and 1 (4 places). Workshops with no first inspection yet are absent:
    the caller decides what an unknown record is worth.
    """
    first = Inspection.objects.filter(round=1, lot__workshop_id__in=list(workshop_ids))
    inspected = dict(
        first.values("lot__workshop_id")
        .annotate(total=Sum("lot_size"))
        .values_list("lot__workshop_id", "total")
    )
    passed = dict(
        PieceOutcome.objects.filter(
            inspection__round=1,
            inspection__verdict=Inspection.Verdict.ACCEPTED,
            lot__workshop_id__in=list(workshop_ids),
        )
        .values("lot__workshop_id")
        .annotate(total=Sum("accepted"))
        .values_list("lot__workshop_id", "total")
    )
    return {ws: _ratio(passed.get(ws, 0) or 0, total) for ws, total in inspected.items() if total}


def first_pass_yield_by_household(household_ids: list[int]) -> dict[int, Decimal]:
    """The same per household: its share of first-inspected lots vs. what passed first time."""
    inspected = dict(
        LotShare.objects.filter(household_id__in=list(household_ids), lot__inspections__round=1)
        .values("household_id")
        .annotate(total=Sum("quantity"))
        .values_list("household_id", "total")
    )
    passed = dict(
        PieceOutcome.objects.filter(
            household_id__in=list(household_ids),
            inspection__round=1,
            inspection__verdict=Inspection.Verdict.ACCEPTED,
        )
        .values("household_id")
        .annotate(total=Sum("accepted"))
        .values_list("household_id", "total")
    )
    return {hh: _ratio(passed.get(hh, 0) or 0, total) for hh, total in inspected.items() if total}


def quality_record(*, viewer: User, workshop_id: int) -> dict[str, Any]:
    """A workshop's quality record: FPY, lots by verdict, per-household FPY and outcomes."""
    from workshops.models import Workshop

    workshop = (
        scope(
            Workshop.objects.all(),
            viewer=viewer,
            workshop="organisation",
            service_center="organisation__service_center",
        )
        .filter(pk=workshop_id)
        .first()
    )
    if workshop is None:
        from core.errors import NotFound

        raise NotFound(code="workshop_not_found")
    lots = Lot.objects.filter(workshop_id=workshop_id, kind=Lot.Kind.FINISHED)
    by_verdict = dict(
        lots.values("verdict").annotate(n=Sum("quantity")).values_list("verdict", "n")
    )
    household_ids = list(workshop.households.values_list("pk", flat=True))
    outcomes = (
        PieceOutcome.objects.filter(household_id__in=household_ids)
        .values("household_id", "household__name")
        .annotate(accepted=Sum("accepted"), rejected=Sum("rejected"))
        .order_by("household_id")
    )
    household_fpy = first_pass_yield_by_household(household_ids)
    return {
        "workshop_id": workshop_id,
        "first_pass_yield": first_pass_yield_by_workshop([workshop_id]).get(workshop_id),
        "pieces_by_verdict": by_verdict,
        "households": [
            {
                "household_id": row["household_id"],
                "name": row["household__name"],
                "accepted": row["accepted"] or 0,
                "rejected": row["rejected"] or 0,
                "first_pass_yield": household_fpy.get(row["household_id"]),
            }
            for row in outcomes
        ],
    }


# --- Returned pieces and material balance ---------------------------------------------------


def returned_pieces_by_household(*, batch_id: int) -> dict[int, int]:
    """Pieces each household returned on a batch (the orders app's selector when it has one)."""
    try:
        from orders import selectors as orders_selectors

        reader = orders_selectors.returned_pieces_by_household
    except (ImportError, AttributeError):
        reader = None
    if reader is not None:
        return dict(reader(batch_id=batch_id))
    from orders.models import Ticket

    rows = (
        Ticket.objects.filter(batch_id=batch_id)
        .values("household_id")
        .annotate(total=Sum("returned"))
        .values_list("household_id", "total")
    )
    return {hh: total or 0 for hh, total in rows}


def packed_pieces_by_household(*, batch_id: int) -> dict[int, int]:
    rows = (
        LotShare.objects.filter(lot__batch_id=batch_id, lot__kind=Lot.Kind.FINISHED)
        .values("household_id")
        .annotate(total=Sum("quantity"))
        .values_list("household_id", "total")
    )
    return {hh: total or 0 for hh, total in rows}


def material_lots_for_batch(*, batch_id: int, workshop_id: int) -> list:
    """The material lots sent for a batch to one workshop, oldest first (orders' reader for
    the lead's batch page: the caller has already checked the viewer may see the batch)."""
    from orders.readers import MaterialLot

    lots = Lot.objects.filter(
        batch_id=batch_id, workshop_id=workshop_id, kind=Lot.Kind.MATERIAL
    ).order_by("created_at", "pk")
    received = STAGE_ORDER.index(Lot.Stage.RECEIVED)
    return [
        MaterialLot(
            code=lot.code,
            quantity=lot.quantity,
            stage=lot.stage,
            stage_label=str(lot.get_stage_display()),
            received=STAGE_ORDER.index(lot.stage) >= received,
        )
        for lot in lots
    ]


def material_lots_in_transit(*, viewer: User, batch_id: int) -> list[Lot]:
    """The batch's material lots the viewer may scan that have not arrived yet."""
    received = STAGE_ORDER.index(Lot.Stage.RECEIVED)
    return [
        lot
        for lot in lot_list(viewer=viewer, batch_id=batch_id, kind=Lot.Kind.MATERIAL)
        if STAGE_ORDER.index(lot.stage) < received
    ]


def material_tolerance(product: str) -> Decimal:
    row = MaterialTolerance.objects.filter(product=product).first()
    return row.tolerance_percent if row else DEFAULT_TOLERANCE_PERCENT


def material_balance(*, viewer: User, batch_id: int) -> dict[str, Any]:
    """Materials sent (material lots) against pieces returned (tickets), with a tolerance."""
    from orders.models import Batch, Ticket

    batch = (
        scope(
            Batch.objects.all(),
            viewer=viewer,
            merchant="order__merchant",
            workshop="workshop__organisation",
            service_center="workshop__organisation__service_center",
        )
        .select_related("order")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        from orders.services import BatchNotFound

        raise BatchNotFound(detail={"batch_id": batch_id})
    lots = Lot.objects.filter(batch_id=batch_id)
    # Materials the holder has: not a lot sent to a workshop whose claim lapsed before it
    # arrived (a scan exception; that lot goes back to the service center).
    sent = (
        lots.filter(kind=Lot.Kind.MATERIAL, workshop_id=batch.workshop_id).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    packed = lots.filter(kind=Lot.Kind.FINISHED).aggregate(n=Sum("quantity"))["n"] or 0
    returned = sum(returned_pieces_by_household(batch_id=batch_id).values())
    lost = Ticket.objects.filter(batch_id=batch_id).aggregate(n=Sum("lost"))["n"] or 0
    tolerance = material_tolerance(batch.order.product_name)
    allowed = (Decimal(sent) * tolerance / 100).to_integral_value(ROUND_HALF_UP)
    shortfall = sent - returned
    return {
        "batch_id": batch_id,
        "product": batch.order.product_name,
        "materials_sent": sent,
        "pieces_returned": returned,
        "pieces_lost": lost,
        "pieces_packed": packed,
        "shortfall": shortfall,
        "tolerance_percent": tolerance,
        "allowed_shortfall": int(allowed),
        # Off when more is missing than the tolerance allows, or more came back than was sent.
        "off": sent > 0 and (shortfall > allowed or shortfall < 0),
    }


class ScanExceptionNotFound(NotFound):
    code = "scan_exception_not_found"
    message = _("扫描异常不存在。")


def scan_exception_list(*, viewer: User, open_only: bool | None = None) -> QuerySet:
    """Scan exceptions, open ones first (oldest first): operators all; a checker those of its
    region's workshops (its center fetches the lots back); nobody else (a lead would learn
    which workshop holds a batch now)."""
    exceptions = scope(
        ScanException.objects.select_related(
            "scan__actor",
            "lot",
            "batch__order",
            "workshop__organisation",
            "holder__organisation",
            "resolved_by",
        ),
        viewer=viewer,
        service_center="workshop__organisation__service_center",
    )
    if open_only is not None:
        exceptions = exceptions.filter(resolved_at__isnull=open_only)
    return exceptions.order_by(F("resolved_at").desc(nulls_first=True), "created_at", "pk")


def scan_exception_get(*, viewer: User, exception_id: int) -> ScanException:
    exception = scan_exception_list(viewer=viewer).filter(pk=exception_id).first()
    if exception is None:
        raise ScanExceptionNotFound(detail={"exception_id": exception_id})
    return exception


def lots_for_labels(*, viewer: User, codes_: list[str]) -> QuerySet:
    return lot_scope(Lot.objects.filter(code__in=codes_), viewer=viewer)


def switching_list(*, viewer: User, workshop_id: int | None = None) -> QuerySet:
    from .models import SwitchingState

    states = scope(
        SwitchingState.objects.all(),
        viewer=viewer,
        workshop="workshop__organisation",
        service_center="workshop__organisation__service_center",
    )
    if workshop_id is not None:
        states = states.filter(workshop_id=workshop_id)
    return states.order_by("workshop_id", "product")


def label_sheet_get(*, viewer: User, sheet_id: int):
    """A finished sheet, for the person who asked for it (and operators)."""
    from accounts.permissions import is_operator
    from core.errors import NotFound

    from .models import LabelSheet

    sheets = LabelSheet.objects.all()
    if not is_operator(viewer):
        sheets = sheets.filter(created_by=viewer)
    sheet = sheets.filter(pk=sheet_id).exclude(pdf="").first()
    if sheet is None:
        raise NotFound(code="label_sheet_not_found")
    return sheet


def lot_scans(*, viewer: User, code: str) -> QuerySet:
    """The chain of custody of a lot, in device-time order (late scans included, flagged)."""
    from .models import ScanEvent

    lot = lot_get(viewer=viewer, code=code)
    # Every scan of a lot is recorded after the lot was made: on PostgreSQL the bound prunes
    # the monthly partitions to the few of the lot's life (quality/partitions.py).
    return (
        ScanEvent.objects.filter(lot=lot, recorded_at__gte=lot.created_at)
        .select_related("lot", "actor")
        .order_by("device_time", "pk")
    )


def batch_scans(*, viewer: User, batch_id: int) -> QuerySet:
    """Every custody scan of a batch's lots the viewer may see, in device-time order."""
    from .models import ScanEvent

    return (
        lot_scope(ScanEvent.objects.filter(lot__batch_id=batch_id), viewer=viewer, prefix="lot__")
        .select_related("lot")
        .order_by("device_time", "pk")
    )


def lot_inspections(*, viewer: User, code: str) -> QuerySet:
    lot = lot_get(viewer=viewer, code=code)
    return (
        Inspection.objects.filter(lot=lot)
        .select_related("lot")
        .prefetch_related("defects", "photos", "outcomes")
        .order_by("round", "pk")
    )


def defects_by_kind(*, order_id: int) -> list[tuple[str, str, int]]:
    """(kind, its label, defective pieces) found in an order's inspections, most first.

    The caller has checked that the viewer may see the order.
    """
    from .models import Defect, DefectKind

    labels = dict(DefectKind.choices)
    rows = (
        Defect.objects.filter(inspection__lot__batch__order_id=order_id)
        .values("kind")
        .annotate(total=Sum("count"))
        .order_by("-total", "kind")
    )
    return [(row["kind"], str(labels.get(row["kind"], row["kind"])), row["total"]) for row in rows]


def receipt_get(*, viewer: User, receipt_id: int):
    """A lot's receipt (goods received), for whoever may see the lot."""
    from .models import LotDelivery

    receipt = (
        lot_scope(LotDelivery.objects.all(), viewer=viewer, prefix="lot__")
        .select_related("lot__batch__order", "received_by")
        .filter(pk=receipt_id)
        .first()
    )
    if receipt is None:
        raise LotNotFound(detail={"receipt_id": receipt_id})
    return receipt


def piece_loss_get(*, viewer: User, loss_id: int):
    """A recorded loss with its batch as it is now, for whoever may see the batch's lots."""
    from orders.services import BatchNotFound

    from .models import PieceLoss

    loss = (
        scope(
            PieceLoss.objects.all(),
            viewer=viewer,
            merchant="batch__order__merchant",
            workshop="batch__workshop__organisation",
            service_center="batch__workshop__organisation__service_center",
        )
        .select_related("batch")
        .filter(pk=loss_id)
        .first()
    )
    if loss is None:
        raise BatchNotFound(detail={"loss_id": loss_id})
    return loss
