from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import model_validator

from core.media import media_url
from core.schemas import FeePerPiece, HourlyWage, InSchema

from .fair_pay import fair_pay_hint


def money(value: Decimal | None) -> str | None:
    """A string decimal without trailing zeros beyond the fen: 0.3500 → "0.35", 2 → "2.00"."""
    if value is None:
        return None
    text = f"{value:f}"
    if "." not in text:
        return f"{text}.00"
    whole, frac = text.split(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole}.{frac}"


class OrderIn(InSchema):
    """Quantities, fees and dates are checked by the service, each with its own error code."""

    product_name: str = Field(..., min_length=1, max_length=120)
    spec: str = Field("", max_length=5000)
    required_skills: list[str] = Field(default_factory=list, max_length=20)
    quantity: int
    fee_per_piece: FeePerPiece = Field(..., description='yuan per piece, a string e.g. "0.35"')
    rework_fee_per_piece: FeePerPiece | None = None
    standard_minutes: Decimal = Field(..., lt=100_000, description="standard minutes per piece")
    deadline: date
    batch_size: int
    aql: Decimal = Field(Decimal("2.5"), lt=100)
    inspection_level: Literal["I", "II", "III"] = "II"
    service_center_id: int | None = Field(
        None, description="only workshops of this service center may take the batches"
    )


class OrderPatch(InSchema):
    """Edit a draft: only the fields sent change."""

    product_name: str | None = Field(None, min_length=1, max_length=120)
    spec: str | None = Field(None, max_length=5000)
    required_skills: list[str] | None = Field(None, max_length=20)
    quantity: int | None = None
    fee_per_piece: FeePerPiece | None = None
    rework_fee_per_piece: FeePerPiece | None = None
    standard_minutes: Decimal | None = Field(None, lt=100_000)
    deadline: date | None = None
    batch_size: int | None = None
    aql: Decimal | None = Field(None, lt=100)
    inspection_level: Literal["I", "II", "III"] | None = None
    service_center_id: int | None = None


class PublishIn(InSchema):
    acknowledge_below_minimum_wage: bool = False


class CancelIn(InSchema):
    reason: str = Field("", max_length=200)


class SkillRef(Schema):
    code: str
    name: str


class OrderPhotoOut(Schema):
    id: int
    url: str
    thumbnail_url: str
    width: int
    height: int
    caption: str

    @staticmethod
    def resolve_url(obj) -> str:
        return media_url(obj.image)

    @staticmethod
    def resolve_thumbnail_url(obj) -> str:
        return media_url(obj.thumbnail)


class OrderProgressOut(Schema):
    """Pieces by where they are: batches open / claimed / in production, pieces households
    returned, pieces quality accepted (0 until quality provides it), batches cancelled."""

    open: int
    claimed: int
    in_production: int
    returned: int
    accepted: int
    cancelled: int


class OrderQualityOut(Schema):
    """What inspection decided so far: pieces accepted (any round), rejected, reworked
    (accepted after rework), and first-pass yield (a decimal string 0–1, 4 places; null before
    any first inspection)."""

    accepted: int
    rejected: int
    reworked: int
    first_pass_yield: str | None


class FairPayOut(Schema):
    implied_hourly: str
    minimum_hourly: str | None
    province: str | None
    source: str | None
    below_minimum: bool
    acknowledged_at: datetime | None


class OrderOut(Schema):
    id: int
    merchant: str
    product_name: str
    spec: str
    required_skills: list[SkillRef]
    quantity: int
    fee_per_piece: str
    rework_fee_per_piece: str | None
    standard_minutes: str
    deadline: date
    batch_size: int
    aql: str
    inspection_level: str
    service_center_id: int | None
    service_center: str | None
    status: str
    status_label: str
    created_at: datetime
    published_at: datetime | None
    cancelled_at: datetime | None
    batch_count: int
    progress: OrderProgressOut
    quality: OrderQualityOut
    completed_at: datetime | None
    fair_pay: FairPayOut
    photos: list[OrderPhotoOut]

    @staticmethod
    def resolve_merchant(obj) -> str:
        return obj.merchant.name

    @staticmethod
    def resolve_required_skills(obj) -> list[dict]:
        return [{"code": s.code, "name": s.name} for s in obj.required_skills.all()]

    @staticmethod
    def resolve_fee_per_piece(obj) -> str:
        return money(obj.fee_per_piece)

    @staticmethod
    def resolve_rework_fee_per_piece(obj) -> str | None:
        return money(obj.rework_fee_per_piece)

    @staticmethod
    def resolve_standard_minutes(obj) -> str:
        return money(obj.standard_minutes)

    @staticmethod
    def resolve_aql(obj) -> str:
        return f"{obj.aql.normalize():f}"

    @staticmethod
    def resolve_service_center(obj) -> str | None:
        return obj.service_center.name if obj.service_center else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_batch_count(obj) -> int:
        return getattr(obj, "batch_count", 0)

    @staticmethod
    def resolve_progress(obj) -> dict:
        return {
            "open": getattr(obj, "pieces_open", 0),
            "claimed": getattr(obj, "pieces_claimed", 0),
            "in_production": getattr(obj, "pieces_in_production", 0),
            "returned": getattr(obj, "pieces_returned", 0),
            "accepted": getattr(obj, "pieces_accepted", 0),
            "cancelled": getattr(obj, "pieces_cancelled", 0),
        }

    @staticmethod
    def resolve_quality(obj) -> dict:
        fpy = getattr(obj, "first_pass_yield", None)
        return {
            "accepted": getattr(obj, "pieces_accepted", 0),
            "rejected": getattr(obj, "pieces_rejected", 0),
            "reworked": getattr(obj, "pieces_reworked", 0),
            "first_pass_yield": None if fpy is None else f"{fpy:f}",
        }

    @staticmethod
    def resolve_fair_pay(obj) -> dict:
        if obj.fair_pay_hourly is not None:  # as recorded at publication
            minimum = obj.fair_pay_minimum
            hourly = obj.fair_pay_hourly
        else:  # a draft: what it would be if published now
            hint = fair_pay_hint(obj, current=getattr(obj, "current_minimum_wages", None))
            minimum, hourly = hint.minimum, hint.implied_hourly
        return {
            "implied_hourly": money(hourly),
            "minimum_hourly": money(minimum.hourly) if minimum else None,
            "province": minimum.province if minimum else None,
            "source": minimum.source if minimum else None,
            "below_minimum": bool(minimum and hourly < minimum.hourly),
            "acknowledged_at": obj.fair_pay_acknowledged_at,
        }


class OrderPageOut(Schema):
    items: list[OrderOut]
    count: int


class BatchOut(Schema):
    id: int
    order_id: int
    product_name: str
    number: int
    quantity: int
    status: str
    status_label: str
    deadline: date
    fee_per_piece: str
    workshop_id: int | None
    workshop: str | None
    claimed_at: datetime | None
    production_started_at: datetime | None
    pieces_issued: int
    pieces_returned: int
    pieces_lost: int

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.order.product_name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_deadline(obj) -> date:
        return obj.order.deadline

    @staticmethod
    def resolve_fee_per_piece(obj) -> str:
        return money(obj.order.fee_per_piece)

    @staticmethod
    def resolve_workshop(obj) -> str | None:
        return obj.workshop.organisation.name if obj.workshop else None

    @staticmethod
    def resolve_pieces_issued(obj) -> int:
        return getattr(obj, "pieces_issued", 0)

    @staticmethod
    def resolve_pieces_returned(obj) -> int:
        return getattr(obj, "pieces_returned", 0)

    @staticmethod
    def resolve_pieces_lost(obj) -> int:
        return getattr(obj, "pieces_lost", 0)


class BatchSummaryOut(Schema):
    id: int
    number: int
    quantity: int
    status: str


class OrderCancelOut(Schema):
    order: OrderOut
    cancelled: list[BatchSummaryOut]
    not_cancelled: list[BatchSummaryOut]


class BatchesCancelIn(InSchema):
    # The batches to cancel (open ones of this order); omitted or null: every open batch.
    batch_ids: list[int] | None = None
    reason: str = Field("", max_length=200)


class BatchesCancelOut(Schema):
    order: OrderOut
    cancelled: list[BatchSummaryOut]


class BatchFilter(Schema):
    status: str | None = None
    order_id: int | None = None


class ReleaseIn(InSchema):
    reason: str = Field("", max_length=200)


class TicketIn(InSchema):
    """The household by its number (``household_id``) or by its card (``card_code``): one."""

    household_id: int | None = None
    card_code: str | None = Field(
        None, max_length=200, description="the household's card, typed or read from its QR"
    )
    quantity: int
    idempotency_key: UUID | None = Field(None, description="client-generated; replays count once")

    @model_validator(mode="after")
    def household_or_card(self) -> "TicketIn":
        if (self.household_id is None) == (self.card_code is None):
            raise ValueError("give household_id or card_code (one of them)")
        return self


class TicketReturnIn(InSchema):
    returned: int = 0
    lost: int = 0
    loss_reason: str = Field("", max_length=200)
    idempotency_key: UUID | None = None


class TicketReturnByCardIn(InSchema):
    card_code: str = Field(..., max_length=200, description="the household's card")
    returned: int = 0
    lost: int = 0
    loss_reason: str = Field("", max_length=200)
    idempotency_key: UUID | None = None


class CardWorkItemIn(InSchema):
    """One hand-over of the phone's offline queue, by card: ``issue`` (``quantity``) or
    ``return`` (``returned``, ``lost`` with ``loss_reason``)."""

    key: UUID = Field(..., description="made on the phone when it was recorded")
    kind: Literal["issue", "return"]
    batch_id: int = Field(..., ge=1, le=2**63 - 1)
    card_code: str = Field(..., max_length=200)
    # Bounded to what the columns hold: a number no row can store is refused in its result.
    quantity: int = Field(0, ge=-(2**31), le=2**31 - 1)
    returned: int = Field(0, ge=-(2**31), le=2**31 - 1)
    lost: int = Field(0, ge=-(2**31), le=2**31 - 1)
    loss_reason: str = Field("", max_length=200)
    device_time: datetime | None = Field(None, description="when the phone recorded it")


class CardWorkBulkIn(InSchema):
    # Any JSON values: each is judged on its own (CardWorkItemIn), as for /scans/bulk.
    items: list[Any] = Field(..., description="card work as queued; at most 200")


class CardWorkResult(Schema):
    """One item's answer at its index: ``created``, ``replayed`` or ``rejected`` (final)."""

    index: int
    key: str | None
    status: str
    kind: str | None = None
    household_id: int | None = None
    household: str | None = None
    pieces: int | None = None
    error: dict[str, Any] | None = None


class CardWorkBulkOut(Schema):
    created: int
    replayed: int
    rejected: int
    results: list[CardWorkResult]


class TicketReturnOut(Schema):
    id: int
    ticket_id: int
    returned: int
    lost: int
    loss_reason: str
    recorded_at: datetime


class TicketReturnByCardOut(Schema):
    household_id: int
    household: str
    returned: int
    lost: int
    returns: list[TicketReturnOut]


class TicketCorrectionIn(InSchema):
    returned_change: int = Field(
        ..., description="pieces to add to (+N) or take from (−N) the ticket's returned count"
    )
    reason: str = Field(..., max_length=200)
    idempotency_key: UUID | None = None


class TicketCorrectionOut(Schema):
    id: int
    ticket_id: int
    returned_change: int
    reason: str
    recorded_at: datetime


class TicketOut(Schema):
    id: int
    batch_id: int
    household_id: int
    household: str
    issued: int
    returned: int
    lost: int
    outstanding: int
    issued_at: datetime

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.name


class MinimumWageIn(InSchema):
    province: str = Field(..., min_length=2, max_length=40)
    hourly: HourlyWage
    tier: str = Field("", max_length=60)
    effective_from: date
    source: str = Field(..., min_length=4, max_length=300)
    source_url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")


class MinimumWageOut(Schema):
    id: int
    province: str
    hourly: str
    tier: str
    effective_from: date
    source: str
    source_url: str
    recorded_at: datetime

    @staticmethod
    def resolve_hourly(obj) -> str:
        return money(obj.hourly)


class BatchEventOut(Schema):
    from_status: str
    to_status: str
    to_status_label: str
    workshop: str | None
    actor: str | None
    reason: str
    at: datetime

    @staticmethod
    def resolve_to_status_label(obj) -> str:
        return str(obj.get_to_status_display())

    @staticmethod
    def resolve_workshop(obj) -> str | None:
        return obj.workshop.organisation.name if obj.workshop else None

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor else None
