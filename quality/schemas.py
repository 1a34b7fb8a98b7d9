from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import AfterValidator, create_model
from pydantic_core import PydanticCustomError

from core.media import media_url
from core.schemas import InSchema, nul_refusing_validator

from .models import DefectClass, DefectKind, Lot, ScanEvent, Severity


def lot_url(code: str) -> str:
    """The short URL printed in the QR: uppercase so the whole of it is QR alphanumeric."""
    return f"{settings.SITE_URL}/L/{code}".upper()


class LotShareIn(InSchema):
    household_id: int
    quantity: int = Field(..., ge=1, le=1_000_000)


class LotIn(InSchema):
    batch_id: int
    kind: Lot.Kind
    quantity: int = Field(..., ge=1, le=1_000_000)
    shares: list[LotShareIn] = Field(default_factory=list, max_length=500)


class LotShareOut(Schema):
    household_id: int
    household: str
    quantity: int


class LotOut(Schema):
    code: str
    url: str
    kind: str
    kind_label: str
    batch_id: int
    batch_number: int
    order_id: int
    product: str
    workshop_id: int
    workshop: str
    quantity: int
    stage: str
    stage_label: str
    verdict: str
    verdict_label: str
    round: int
    created_at: datetime
    shares: list[LotShareOut]

    @staticmethod
    def resolve_url(obj) -> str:
        return lot_url(obj.code)

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_batch_number(obj) -> int:
        return obj.batch.number

    @staticmethod
    def resolve_order_id(obj) -> int:
        return obj.batch.order_id

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.batch.order.product_name

    @staticmethod
    def resolve_workshop(obj) -> str:
        return obj.workshop.organisation.name

    @staticmethod
    def resolve_stage_label(obj) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_verdict_label(obj) -> str:
        return str(obj.get_verdict_display())

    @staticmethod
    def resolve_shares(obj) -> list[dict[str, Any]]:
        return [
            {"household_id": s.household_id, "household": s.household.name, "quantity": s.quantity}
            for s in obj.shares.all()
        ]


def device_time_plausible(value: datetime) -> datetime:
    """A phone's clock may be off by hours, not by centuries: 2000-01-01 … now + 1 day (a time
    without an offset is platform time, as the service reads it)."""
    platform = timezone.get_default_timezone()
    earliest = datetime(2000, 1, 1, tzinfo=platform)
    latest = timezone.now() + timedelta(days=1)
    when = value if timezone.is_aware(value) else value.replace(tzinfo=platform)
    if not earliest <= when <= latest:
        raise PydanticCustomError(
            "device_time_out_of_range",
            str(_("扫描时间不可信：须在 2000-01-01 到当前时间后一天之间，请校准手机时间。")),
            {"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )
    return value


class ScanIn(InSchema):
    key: str = Field(..., min_length=8, max_length=64, description="client-generated UUID")
    code: str = Field(..., max_length=40, description="lot code as printed or read from the QR")
    action: ScanEvent.Action
    device_time: Annotated[datetime, AfterValidator(device_time_plausible)] = Field(
        ..., description="the phone's own time of the scan: 2000-01-01 … now + 1 day"
    )
    note: str = Field("", max_length=200)


# The bulk endpoint validates up to 1,000 items one by one. A plain pydantic model with ScanIn's
# own fields and config answers a JSON object exactly as ScanIn does, in one pass: ninja's
# Schema validates an extra="forbid" model twice (the dict, then a DjangoGetter around it).
ScanItemIn = create_model(
    "ScanItemIn",
    __config__=ScanIn.model_config,
    __validators__={"refuse_nul_characters": nul_refusing_validator()},
    **{name: (info.annotation, info) for name, info in ScanIn.model_fields.items()},
)


class ScanOut(Schema):
    key: str
    code: str
    action: str
    device_time: datetime
    recorded_at: datetime
    applied: bool
    flag: str
    stage_before: str
    stage_after: str


def scan_out(event: ScanEvent) -> dict[str, Any]:
    return {
        "key": event.key,
        "code": event.lot.code,
        "action": event.action,
        "device_time": event.device_time,
        "recorded_at": event.recorded_at,
        "applied": event.applied,
        "flag": event.flag,
        "stage_before": event.stage_before,
        "stage_after": event.stage_after,
    }


class ScanBulkIn(InSchema):
    # The limit (1,000) is checked by the service so that it answers with its own code. The
    # items are any JSON values: each is judged on its own (ScanItemIn), so that one corrupt
    # item is refused in its result instead of the whole queue.
    scans: list[Any] = Field(
        ...,
        description="scans as for POST /scans; an item that is not one is refused in its result",
    )


class ErrorBody(Schema):
    code: str
    message: str
    detail: dict[str, Any] = {}


class ScanBrief(Schema):
    """What a phone needs back for each queued scan: did it move the lot, and where is it."""

    applied: bool
    flag: str
    stage: str


def scan_brief(event: ScanEvent) -> dict[str, Any]:
    return {"applied": event.applied, "flag": event.flag, "stage": event.stage_after}


class ScanBulkResult(Schema):
    """One item's answer, at the item's index: ``created``, ``replayed`` (its first answer), or
    ``rejected`` with the error (final: the same item is refused again; don't resend it)."""

    index: int
    key: str | None
    status: str
    scan: ScanBrief | None = None
    error: ErrorBody | None = None


class ScanBulkOut(Schema):
    created: int
    replayed: int
    rejected: int
    results: list[ScanBulkResult]


class SamplingPlanOut(Schema):
    lot_size: int
    aql: Decimal
    level: str
    severity: str
    code_letter: str
    table_letter: str
    sample_size: int
    accept: int
    reject: int
    full_inspection: bool


class DefectIn(InSchema):
    kind: DefectKind
    defect_class: DefectClass
    count: int = Field(..., ge=1, le=100_000)
    household_id: int | None = None


class InspectionIn(InSchema):
    defects: list[DefectIn] = Field(default_factory=list, max_length=200)
    note: str = Field("", max_length=200)


class DefectOut(Schema):
    kind: str
    kind_label: str
    defect_class: str
    defect_class_label: str
    count: int
    household_id: int | None

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_defect_class_label(obj) -> str:
        return str(obj.get_defect_class_display())


class InspectionPhotoOut(Schema):
    id: int
    url: str
    thumbnail_url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj) -> str:
        return media_url(obj.image)

    @staticmethod
    def resolve_thumbnail_url(obj) -> str:
        return media_url(obj.thumbnail)


class PieceOutcomeOut(Schema):
    household_id: int
    accepted: int
    rejected: int
    is_rework: bool


class InspectionOut(Schema):
    id: int
    code: str
    round: int
    severity: Severity
    level: str
    aql: Decimal
    code_letter: str
    lot_size: int
    sample_size: int
    accept: int
    reject: int
    nonconforming: int
    critical: int
    verdict: str
    verdict_label: str
    disposition: str
    decided_at: datetime | None
    created_at: datetime
    defects: list[DefectOut]
    photos: list[InspectionPhotoOut]
    outcomes: list[PieceOutcomeOut]

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.lot.code

    @staticmethod
    def resolve_verdict_label(obj) -> str:
        return str(obj.get_verdict_display())

    @staticmethod
    def resolve_defects(obj):
        return list(obj.defects.all())

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())

    @staticmethod
    def resolve_outcomes(obj):
        # sorted here: an order_by() would query again past the list's prefetch
        return sorted(obj.outcomes.all(), key=lambda outcome: (outcome.household_id, outcome.pk))


class DispositionIn(InSchema):
    disposition: Literal["sort", "rework", "scrap"]
    rejected_by_household: dict[int, int] = Field(
        default_factory=dict, description="for sort: household id → pieces found bad"
    )
    note: str = Field("", max_length=200)


class LabelSheetIn(InSchema):
    codes: list[str] = Field(..., min_length=1, max_length=20_000)


class LabelSheetOut(Schema):
    sheet_id: int
    task_id: int
    task_url: str
    lots: int


class ScanExceptionOut(Schema):
    """A material lot's arrival that could not start its batch (docs/orders.md)."""

    id: int
    reason: str
    reason_label: str
    action: str = Field(..., description="what is to happen to the lot")
    lot_code: str
    batch_id: int
    order_id: int
    product_name: str
    batch_number: int
    batch_status: str = Field(..., description="the batch's status when the scan came in")
    workshop_id: int = Field(..., description="where the lot is: the workshop it was sent to")
    workshop: str
    holder_workshop_id: int | None = Field(None, description="who held the batch then")
    holder_workshop: str | None
    scanned_by: str
    device_time: datetime
    recorded_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str

    @staticmethod
    def resolve_reason_label(obj) -> str:
        return str(obj.get_reason_display())

    @staticmethod
    def resolve_action(obj) -> str:
        return str(_("原料包退回服务中心"))

    @staticmethod
    def resolve_lot_code(obj) -> str:
        return obj.lot.code

    @staticmethod
    def resolve_order_id(obj) -> int:
        return obj.batch.order_id

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.batch.order.product_name

    @staticmethod
    def resolve_batch_number(obj) -> int:
        return obj.batch.number

    @staticmethod
    def resolve_workshop(obj) -> str:
        return obj.workshop.name

    @staticmethod
    def resolve_holder_workshop_id(obj) -> int | None:
        return obj.holder_id

    @staticmethod
    def resolve_holder_workshop(obj) -> str | None:
        return obj.holder.name if obj.holder_id else None

    @staticmethod
    def resolve_scanned_by(obj) -> str:
        return str(obj.scan.actor)

    @staticmethod
    def resolve_device_time(obj) -> datetime:
        return obj.scan.device_time

    @staticmethod
    def resolve_recorded_at(obj) -> datetime:
        return obj.scan.recorded_at

    @staticmethod
    def resolve_resolved_by(obj) -> str | None:
        return str(obj.resolved_by) if obj.resolved_by_id else None


class ScanExceptionResolveIn(InSchema):
    note: str = Field(..., max_length=200, description="what was done, e.g. the lot went back")


class SwitchingStateOut(Schema):
    id: int
    workshop_id: int
    product: str
    severity: str
    recent: str
    consecutive_accepted: int
    switching_score: int
    tightened_rejections: int
    stopped: bool
    reduced_eligible: bool


class ReceiptIn(InSchema):
    key: UUID = Field(..., description="client-generated UUID: a resend is answered once")
    received: int = Field(..., description="pieces that arrived (count them)")
    reason: str = Field(
        "", max_length=200, description="required when received differs from the accepted pieces"
    )


class ReceiptOut(Schema):
    code: str
    packed: int = Field(..., description="the lot's accepted pieces: what should arrive")
    received: int
    shortfall: int
    surplus: int
    reason: str
    received_by: str
    received_at: datetime
    lot_stage: str
    batch_id: int
    batch_status: str
    order_id: int
    order_status: str

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.lot.code

    @staticmethod
    def resolve_received_by(obj) -> str:
        return obj.received_by.get_full_name() or obj.received_by.username

    @staticmethod
    def resolve_lot_stage(obj) -> str:
        return obj.lot.stage

    @staticmethod
    def resolve_batch_id(obj) -> int:
        return obj.lot.batch_id

    @staticmethod
    def resolve_batch_status(obj) -> str:
        return obj.lot.batch.status

    @staticmethod
    def resolve_order_id(obj) -> int:
        return obj.lot.batch.order_id

    @staticmethod
    def resolve_order_status(obj) -> str:
        return obj.lot.batch.order.status


class PieceLossIn(InSchema):
    pieces: int
    reason: str = Field(..., max_length=200)
    household_id: int | None = Field(
        None, description="the household that returned the pieces; none: pieces never made"
    )
    key: UUID | None = Field(None, description="client-generated UUID")


class PieceLossOut(Schema):
    id: int
    batch_id: int
    household_id: int | None
    pieces: int
    reason: str
    recorded_at: datetime
    batch_status: str

    @staticmethod
    def resolve_batch_status(obj) -> str:
        return obj.batch.status


class OrderSummaryOut(Schema):
    """What an order came to. Money is a string decimal (yuan); shares are decimal strings
    between 0 and 1 (null when there is nothing to divide)."""

    order_id: int
    status: str
    status_label: str
    completed_at: datetime | None
    deadline: date
    batches: int
    batches_closed: int
    batches_cancelled: int
    pieces_accepted: int
    pieces_rejected: int
    pieces_reworked: int
    pieces_lost: int = Field(..., description="lost on tickets, before packing, or in delivery")
    pieces_received: int
    pieces_surplus: int
    first_pass_yield: str | None
    lots_received: int
    lots_on_time: int = Field(..., description="lots received on or before the deadline")
    on_time_share: str | None
    fees_owed: str = Field(..., description="accepted pieces × fee (rework at the rework fee)")
    fees_paid: str | None = Field(..., description="fees of approved or paid payout periods")
    households_reached: int
    workshops_reached: int

    @staticmethod
    def resolve_first_pass_yield(obj) -> str | None:
        return _decimal(obj["first_pass_yield"])

    @staticmethod
    def resolve_on_time_share(obj) -> str | None:
        return _decimal(obj["on_time_share"])

    @staticmethod
    def resolve_fees_owed(obj) -> str:
        return _decimal(obj["fees_owed"])

    @staticmethod
    def resolve_fees_paid(obj) -> str | None:
        return _decimal(obj["fees_paid"])


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"
