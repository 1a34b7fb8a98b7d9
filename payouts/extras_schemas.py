"""Schemas of advances and premium rules (amounts as strings with two decimals, never floats)."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema

from core.schemas import FeePerPiece, InSchema, Money

from .money import format_yuan


class AdvanceIn(InSchema):
    household_id: int
    amount: Money = Field(..., description='yuan, e.g. "50.00"')
    reason: str = Field(..., max_length=200)
    paid_at: datetime | None = Field(None, description="when it was paid (default: now)")
    idempotency_key: UUID | None = Field(
        None, description="sent again with the same key: the first advance, nothing new"
    )


class AdvanceRecoveryOut(Schema):
    period_id: int
    period: str
    status: str
    amount: str

    @staticmethod
    def resolve_amount(obj) -> str:
        return format_yuan(obj["amount_fen"])


class AdvanceOut(Schema):
    id: int
    household_id: int
    household: str
    workshop_id: int
    amount: str
    recovered: str = Field(description="in every period computed so far")
    outstanding: str
    paid_at: datetime
    reason: str
    closed_at: datetime | None
    recoveries: list[AdvanceRecoveryOut]

    @staticmethod
    def resolve_amount(obj) -> str:
        return format_yuan(obj.amount_fen)

    @staticmethod
    def resolve_recovered(obj) -> str:
        return format_yuan(obj.recovered_fen)

    @staticmethod
    def resolve_outstanding(obj) -> str:
        return format_yuan(obj.outstanding_fen)


class PremiumRuleIn(InSchema):
    first_pass_per_piece: FeePerPiece = Field(
        Decimal("0"), description="yuan per piece in lots accepted at their first inspection"
    )
    on_time_per_piece: FeePerPiece = Field(
        Decimal("0"), description="yuan per piece accepted by the end of the order's deadline day"
    )


class PremiumRuleOut(Schema):
    order_id: int
    first_pass_per_piece: str
    on_time_per_piece: str
    updated_at: datetime

    @staticmethod
    def resolve_first_pass_per_piece(obj) -> str:
        return f"{obj.first_pass_per_piece:f}"

    @staticmethod
    def resolve_on_time_per_piece(obj) -> str:
        return f"{obj.on_time_per_piece:f}"


class PremiumReconciliationOut(Schema):
    order_id: int
    kind: str
    pieces: int
    expected: str
    premium: str
    differences: list[str]

    @staticmethod
    def resolve_expected(obj) -> str:
        return format_yuan(obj["expected_fen"])

    @staticmethod
    def resolve_premium(obj) -> str:
        return format_yuan(obj["premium_fen"])
