from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from core.schemas import InSchema, Money

from .extras_schemas import PremiumReconciliationOut
from .money import format_yuan
from .selectors import statement_url


def yuan(fen: int) -> str:
    """Money in JSON: a string decimal with two places (never a float)."""
    return format_yuan(fen)


class PeriodIn(InSchema):
    name: str = Field("", max_length=120)
    starts_on: date
    ends_on: date
    scope: Literal["all", "region", "workshop"] = "all"
    region_id: int | None = Field(None, description="the service center, for scope=region")
    workshop_id: int | None = Field(None, description="for scope=workshop")
    compute: bool = Field(True, description="compute at once (in the background if large)")


class HouseholdPaidIn(InSchema):
    household_id: int
    method: Literal["bank", "mobile", "cash_lead"]
    reference: str = Field("", max_length=80, description="blank: the period's reference")


class PaidIn(InSchema):
    payment_reference: str = Field("", max_length=80)
    method: Literal["bank", "mobile", "cash_lead"] = Field(
        "bank", description="how the households were paid (bank transfer, mobile, cash via lead)"
    )
    households: list[HouseholdPaidIn] = Field(
        default_factory=list, description="households paid otherwise than ``method``"
    )


class AdjustmentIn(InSchema):
    household_id: int
    kind: Literal["bonus", "deduction"]
    amount: Money = Field(..., description='yuan, e.g. "12.50"')
    reason: str = Field(..., max_length=200)
    corrects_period_id: int | None = Field(
        None, description="the approved period this corrects, if any"
    )
    idempotency_key: UUID | None = Field(
        None, description="sent again with the same key: the first adjustment, nothing new"
    )


class ShareIn(InSchema):
    lead_kind: Literal["percent", "per_piece"] = "percent"
    lead_value: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=4)
    center_kind: Literal["percent", "per_piece"] = "percent"
    center_value: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=4)


class ShareOut(Schema):
    workshop_id: int
    lead_kind: str
    lead_value: str
    center_kind: str
    center_value: str

    @staticmethod
    def resolve_lead_value(obj) -> str:
        return f"{obj.lead_value:f}"

    @staticmethod
    def resolve_center_value(obj) -> str:
        return f"{obj.center_value:f}"


class PeriodOut(Schema):
    id: int
    name: str
    scope: str
    region_id: int | None
    workshop_id: int | None
    starts_on: date
    ends_on: date
    status: str
    status_label: str
    pieces: int
    rework_pieces: int
    gross: str = Field(description="owed by merchants: accepted pieces × fee")
    households: str
    lead: str
    center: str
    bonus: str
    deduction: str
    payable: str = Field(description="to households: their parts + bonuses − deductions")
    computed_at: datetime | None
    approved_at: datetime | None
    paid_at: datetime | None
    payment_reference: str
    task_id: int | None = Field(
        None, description="the job computing or approving it: GET /tasks/{id} while it runs"
    )

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_gross(obj) -> str:
        return yuan(obj.gross_fen)

    @staticmethod
    def resolve_households(obj) -> str:
        return yuan(obj.households_fen)

    @staticmethod
    def resolve_lead(obj) -> str:
        return yuan(obj.lead_fen)

    @staticmethod
    def resolve_center(obj) -> str:
        return yuan(obj.center_fen)

    @staticmethod
    def resolve_bonus(obj) -> str:
        return yuan(obj.bonus_fen)

    @staticmethod
    def resolve_deduction(obj) -> str:
        return yuan(obj.deduction_fen)

    @staticmethod
    def resolve_payable(obj) -> str:
        return yuan(obj.payable_fen)

    @staticmethod
    def resolve_task_id(obj) -> int | None:
        return obj.current_job_id


class PeriodApprovalOut(PeriodOut):
    """202 to an approval: the period (``approving``, or already ``approved`` when tasks run
    in-process) and the job that approves it."""

    task_id: int = Field(description="the approval job: GET /tasks/{id}")
    task_url: str

    @staticmethod
    def resolve_task_id(obj) -> int:
        return obj.approve_job_id

    @staticmethod
    def resolve_task_url(obj) -> str:
        return f"/api/v1/tasks/{obj.approve_job_id}"


class ReconciliationRowOut(Schema):
    id: int
    name: str
    pieces: int
    expected: str
    owed: str
    households: str
    lead: str
    center: str
    paid: str
    differences: list[str]

    @staticmethod
    def resolve_expected(obj) -> str:
        return yuan(obj["expected_fen"])

    @staticmethod
    def resolve_owed(obj) -> str:
        return yuan(obj["owed_fen"])

    @staticmethod
    def resolve_households(obj) -> str:
        return yuan(obj["households_fen"])

    @staticmethod
    def resolve_lead(obj) -> str:
        return yuan(obj["lead_fen"])

    @staticmethod
    def resolve_center(obj) -> str:
        return yuan(obj["center_fen"])

    @staticmethod
    def resolve_paid(obj) -> str:
        return yuan(obj["paid_fen"])


class ReconciliationOut(Schema):
    balanced: bool
    orders: list[ReconciliationRowOut]
    merchants: list[ReconciliationRowOut]
    differences: list[dict]
    bonus: str
    deduction: str
    premiums: list[PremiumReconciliationOut] = Field(
        description="per order and kind, counted again from the outcomes = the premium lines"
    )
    premium: str = Field(description="premiums, charged to merchants apart from the fees")
    advance_recovery: str = Field(description="advances recovered from households")

    @staticmethod
    def resolve_premium(obj) -> str:
        return yuan(obj["premium_fen"])

    @staticmethod
    def resolve_advance_recovery(obj) -> str:
        return yuan(obj["recovery_fen"])

    @staticmethod
    def resolve_bonus(obj) -> str:
        return yuan(obj["bonus_fen"])

    @staticmethod
    def resolve_deduction(obj) -> str:
        return yuan(obj["deduction_fen"])


class PeriodDetailOut(PeriodOut):
    household_count: int
    reconciliation: ReconciliationOut


class LineOut(Schema):
    id: int
    household_id: int
    household: str
    payment_account: str = Field(description="masked: only the operator's export has it whole")
    workshop_id: int
    workshop: str
    order_id: int
    product: str
    pieces: int
    rework_pieces: int
    fee: str
    rework_fee: str
    gross: str
    amount: str

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.name

    @staticmethod
    def resolve_payment_account(obj) -> str:
        return obj.household.payment_account_masked

    @staticmethod
    def resolve_workshop_id(obj) -> int:
        return obj.pool.workshop_id

    @staticmethod
    def resolve_workshop(obj) -> str:
        return obj.pool.workshop.organisation.name

    @staticmethod
    def resolve_order_id(obj) -> int:
        return obj.pool.order_id

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.pool.order.product_name

    @staticmethod
    def resolve_fee(obj) -> str:
        return f"{obj.pool.fee:f}"

    @staticmethod
    def resolve_rework_fee(obj) -> str:
        return f"{obj.pool.rework_fee:f}"

    @staticmethod
    def resolve_gross(obj) -> str:
        return yuan(obj.gross_fen)

    @staticmethod
    def resolve_amount(obj) -> str:
        return yuan(obj.amount_fen)


class AdjustmentOut(Schema):
    id: int
    period_id: int
    household_id: int
    kind: str
    amount: str
    reason: str
    corrects_period_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_amount(obj) -> str:
        return yuan(obj.amount_fen)

    @staticmethod
    def resolve_corrects_period_id(obj) -> int | None:
        return obj.corrects_id


class StatementLineOut(Schema):
    order_id: int
    product: str
    pieces: int
    rework_pieces: int
    fee: str
    rework_fee: str
    gross: str
    shares: str = Field(description="taken from this line by the lead's and center's shares")
    lead: str = Field(description="the lead whose share it is")
    lead_share: str
    center: str = Field(description="the service center whose share it is")
    center_share: str
    amount: str

    @staticmethod
    def resolve_lead(obj) -> str:
        return obj.lead_name

    @staticmethod
    def resolve_lead_share(obj) -> str:
        return yuan(obj.lead_fen)

    @staticmethod
    def resolve_center(obj) -> str:
        return obj.center_name

    @staticmethod
    def resolve_center_share(obj) -> str:
        return yuan(obj.center_fen)

    @staticmethod
    def resolve_fee(obj) -> str:
        return f"{obj.fee:f}"

    @staticmethod
    def resolve_rework_fee(obj) -> str:
        return f"{obj.rework_fee:f}"

    @staticmethod
    def resolve_gross(obj) -> str:
        return yuan(obj.gross_fen)

    @staticmethod
    def resolve_shares(obj) -> str:
        return yuan(obj.shares_fen)

    @staticmethod
    def resolve_amount(obj) -> str:
        return yuan(obj.amount_fen)


class StatementAdjustmentOut(Schema):
    kind: str
    kind_label: str
    reason: str
    amount: str

    @staticmethod
    def resolve_amount(obj) -> str:
        fen = obj["amount_fen"]
        return yuan(fen) if fen >= 0 else f"-{yuan(-fen)}"


class StatementOut(Schema):
    url: str
    pdf_url: str
    period: str
    starts_on: date
    ends_on: date
    status: str
    status_label: str
    household: str
    workshop: str
    payment_account: str
    pieces: int
    gross: str
    shares: str
    total: str
    lines: list[StatementLineOut]
    adjustments: list[StatementAdjustmentOut]
    payment_status: str = Field(
        "", description="once paid: unconfirmed | confirmed | disputed | resolved (the household's)"
    )
    extras: list[StatementAdjustmentOut] = Field(
        description="premiums (first_pass, on_time) and advance recoveries (advance_recovery, "
        "negative), apart from the fee"
    )

    @staticmethod
    def resolve_pdf_url(obj) -> str:
        return f"/api/v1/statements/{obj.token}/pdf"

    @staticmethod
    def resolve_period(obj) -> str:
        return obj.period_name

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household_name

    @staticmethod
    def resolve_payment_account(obj) -> str:
        return obj.account_masked

    @staticmethod
    def resolve_gross(obj) -> str:
        return yuan(obj.gross_fen)

    @staticmethod
    def resolve_shares(obj) -> str:
        return yuan(obj.shares_fen)

    @staticmethod
    def resolve_total(obj) -> str:
        return yuan(obj.total_fen)


class StatementReissueIn(InSchema):
    reason: str = Field(..., max_length=200, description="why the old link dies, e.g. slip lost")


class StatementSummaryOut(Schema):
    """A statement in a period's list (operators): no token, no link."""

    id: int
    household_id: int
    household: str
    workshop_id: int
    workshop: str
    total: str
    reissues: int

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.name

    @staticmethod
    def resolve_workshop_id(obj) -> int:
        return obj.household.workshop_id

    @staticmethod
    def resolve_workshop(obj) -> str:
        return obj.household.workshop.name

    @staticmethod
    def resolve_total(obj) -> str:
        return yuan(obj.total_fen)


class StatementLinkOut(Schema):
    """A statement's new link, for the operator to print a new slip."""

    id: int
    period_id: int
    household_id: int
    url: str
    pdf_url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return statement_url(obj.token)

    @staticmethod
    def resolve_pdf_url(obj) -> str:
        return f"/api/v1/statements/{obj.token}/pdf"


class MerchantStatementRowOut(Schema):
    order_id: int
    product: str
    accepted: int = Field(description="accepted pieces, reworked ones included")
    rework_pieces: int = Field(description="of which accepted after rework")
    fee: str
    rework_fee: str
    owed: str = Field(description="what the merchant owes for the order: its pools")
    premium: str = Field(description="premiums by rule on the order, apart from the fee")
    total: str = Field(description="owed + premium")

    @staticmethod
    def resolve_premium(obj) -> str:
        return yuan(obj.premium_fen)

    @staticmethod
    def resolve_total(obj) -> str:
        return yuan(obj.total_fen)

    @staticmethod
    def resolve_fee(obj) -> str:
        return f"{obj.fee:f}"

    @staticmethod
    def resolve_rework_fee(obj) -> str:
        return f"{obj.rework_fee:f}"

    @staticmethod
    def resolve_owed(obj) -> str:
        return yuan(obj.owed_fen)


class MerchantStatementOut(Schema):
    """What one merchant owes in an approved period, per order (the reconciliation's figures)."""

    period_id: int
    period: str
    starts_on: date
    ends_on: date
    status: str
    merchant_id: int
    merchant: str
    accepted: int
    owed: str
    premium: str
    total: str
    orders: list[MerchantStatementRowOut]

    @staticmethod
    def resolve_premium(obj) -> str:
        return yuan(obj.premium_fen)

    @staticmethod
    def resolve_total(obj) -> str:
        return yuan(obj.total_fen)

    @staticmethod
    def resolve_period_id(obj) -> int:
        return obj.period.pk

    @staticmethod
    def resolve_period(obj) -> str:
        return obj.period.name

    @staticmethod
    def resolve_starts_on(obj) -> date:
        return obj.period.starts_on

    @staticmethod
    def resolve_ends_on(obj) -> date:
        return obj.period.ends_on

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.period.status

    @staticmethod
    def resolve_owed(obj) -> str:
        return yuan(obj.owed_fen)

    @staticmethod
    def resolve_orders(obj) -> list:
        return obj.rows
