"""Households' statements: each reached through its token (a household sees its own, nothing
else), its lines per order, and the operator's list of a period's statements.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator, scope
from core import currency
from core.errors import BadRequest, NotFound
from workshops.selectors import household_language, household_time_zone

from ..models import (
    AdvanceRecovery,
    HouseholdPayment,
    PayoutAdjustment,
    PayoutLine,
    PayoutPremium,
    PremiumKind,
    Statement,
)
from ..money import apportion, format_exact
from ._common import Role, Status
from .currency import household_conversion
from .periods import period_get


class StatementNotFound(NotFound):
    code = "statement_not_found"
    message = _("结算单不存在。")


def statement_url(token: str) -> str:
    """The household's page (the QR on the paper copy points here)."""
    try:
        path = reverse("payouts:statement", kwargs={"token": token})
    except NoReverseMatch:
        path = f"/api/v1/statements/{token}"
    return f"{settings.SITE_URL}{path}"


@dataclass
class StatementLine:
    """One order's money for the household: pieces × fee (rework apart), rounded once to the
    fen, less what the lead's and the center's shares took from it, equals its amount."""

    order_id: int
    product: str
    pieces: int
    rework_pieces: int
    fee: Decimal
    rework_fee: Decimal
    gross_fen: int
    amount_fen: int
    lead_name: str = ""
    center_name: str = ""
    lead_fen: int = 0
    center_fen: int = 0

    @property
    def shares_fen(self) -> int:
        """What the lead's and center's shares took from this line."""
        return self.gross_fen - self.amount_fen

    @property
    def first_pass_exact(self) -> Decimal:
        """pieces × fee, exact (fees have four decimals): before the line is rounded."""
        return self.pieces * self.fee

    @property
    def rework_exact(self) -> Decimal:
        return self.rework_pieces * self.rework_fee

    @property
    def rounded(self) -> bool:
        """Whether rounding the exact sum to the fen changed it (the page says so)."""
        return (self.first_pass_exact + self.rework_exact) * 100 != self.gross_fen


@dataclass
class StatementDetail:
    token: str
    url: str
    period_name: str
    starts_on: date
    ends_on: date
    status: str
    status_label: str
    household_name: str
    workshop: str
    account_masked: str
    lines: list[StatementLine]
    adjustments: list[dict]
    total_fen: int
    # Paid abroad: the total in the payout currency (converted once at approval) and the rate.
    currency: str = "CNY"
    amount_minor: int | None = None
    amount_display: str = ""
    rate: str = ""
    rate_source: str = ""
    rate_date: str = ""
    # the household's payment once the period is paid: its status and label ("" before)
    payment_status: str = ""
    payment_status_label: str = ""
    # premiums (+) and advance recoveries (-), shown apart from the fee: same shape as adjustments
    extras: list[dict] = field(default_factory=list)
    # Read in the household's language and time zone (its own, else its workshop's).
    language: str = settings.LANGUAGE_CODE
    time_zone: str = settings.TIME_ZONE
    approved_at: datetime | None = None
    paid_at: datetime | None = None

    @property
    def pieces(self) -> int:
        return sum(line.pieces + line.rework_pieces for line in self.lines)

    @property
    def gross_fen(self) -> int:
        return sum(line.gross_fen for line in self.lines)

    @property
    def shares_fen(self) -> int:
        return sum(line.shares_fen for line in self.lines)

    @property
    def rework_pieces(self) -> int:
        return sum(line.rework_pieces for line in self.lines)

    @property
    def net_fen(self) -> int:
        """The lines' amounts: what the household earned before adjustments."""
        return sum(line.amount_fen for line in self.lines)


def _statement_line(line: PayoutLine) -> StatementLine:
    """A line with the shares it gave up split between the lead and the center by name, in the
    proportion of its pool's two shares (largest remainder: the two sum to what it gave up)."""
    pool = line.pool
    shares = line.gross_fen - line.amount_fen
    lead_fen, center_fen = apportion(shares, [pool.lead_fen, pool.center_fen])
    return StatementLine(
        order_id=pool.order_id,
        product=pool.order.product_name,
        pieces=line.pieces,
        rework_pieces=line.rework_pieces,
        fee=pool.fee,
        rework_fee=pool.rework_fee,
        gross_fen=line.gross_fen,
        amount_fen=line.amount_fen,
        lead_name=str(pool.lead) if pool.lead_id else "",
        center_name=pool.service_center.name if pool.service_center_id else "",
        lead_fen=lead_fen,
        center_fen=center_fen,
    )


def statement_get(*, token: str) -> StatementDetail:
    """One household's statement behind its token: that household's lines and nothing else."""
    if not token or len(token) > 64:
        raise StatementNotFound()
    statement = (
        Statement.objects.select_related("period", "household__workshop__organisation")
        .filter(token=token, period__status__in=[Status.APPROVED, Status.PAID])
        .first()
    )
    if statement is None:
        raise StatementNotFound()
    period, household = statement.period, statement.household
    lines = [
        _statement_line(line)
        for line in PayoutLine.objects.filter(pool__period=period, household=household)
        .select_related("pool__order", "pool__lead", "pool__service_center")
        .order_by("pool__order_id", "pool_id")
    ]
    adjustments = [
        {
            "kind": adjustment.kind,
            "kind_label": str(adjustment.get_kind_display()),
            "reason": adjustment.reason,
            "amount_fen": adjustment.signed_fen,
        }
        for adjustment in PayoutAdjustment.objects.filter(
            period=period, household=household
        ).order_by("pk")
    ]
    conversion = household_conversion(period_id=period.pk, household_id=household.pk)
    abroad = {}
    if conversion is not None:
        abroad = {
            "currency": conversion.currency,
            "amount_minor": conversion.amount_minor,
            "amount_display": currency.format_minor(conversion.amount_minor, conversion.currency),
            "rate": str(conversion.rate.rate.normalize()),
            "rate_source": conversion.rate.source,
            "rate_date": conversion.rate.rate_date.isoformat(),
        }
    return StatementDetail(
        extras=statement_extras(period_id=period.pk, household_id=household.pk),
        token=statement.token,
        url=statement_url(statement.token),
        period_name=period.name,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        status=period.status,
        status_label=str(period.get_status_display()),
        household_name=household.name,
        workshop=household.workshop.name,
        account_masked=household.payment_account_masked,
        lines=lines,
        adjustments=adjustments,
        total_fen=statement.total_fen,
        language=household_language(household),
        time_zone=household_time_zone(household),
        approved_at=period.approved_at,
        paid_at=period.paid_at,
        **abroad,
        **_payment_status(statement),
    )


def _payment_status(statement: Statement) -> dict[str, str]:
    payment = HouseholdPayment.objects.filter(statement=statement).only("status").first()
    if payment is None:
        return {}
    return {
        "payment_status": payment.status,
        "payment_status_label": str(payment.get_status_display()),
    }


def statement_extras(*, period_id: int, household_id: int) -> list[dict]:
    """A household's premiums (each ``pieces × rate``, rounded once) and advance recoveries in
    a period, as signed lines like the adjustments'."""
    extras = [
        {
            "kind": premium.kind,
            "kind_label": str(PremiumKind(premium.kind).label),
            "reason": (
                f"{premium.order.product_name} {premium.pieces} × ￥{format_exact(premium.rate)}"
            ),
            "amount_fen": premium.amount_fen,
        }
        for premium in PayoutPremium.objects.filter(period_id=period_id, household_id=household_id)
        .select_related("order")
        .order_by("order_id", "kind", "pk")
    ]
    extras += [
        {
            "kind": "advance_recovery",
            "kind_label": str(_("预支扣回")),
            "reason": recovery.advance.reason,
            "amount_fen": -recovery.amount_fen,
        }
        for recovery in AdvanceRecovery.objects.filter(
            period_id=period_id, household_id=household_id
        )
        .select_related("advance")
        .order_by("advance__paid_at", "advance_id")
    ]
    return extras


def statement_tokens(
    *, viewer: User, period_id: int, workshop_id: int | None, statement_id: int | None = None
) -> list[str]:
    """Tokens of a period's statements for printing: a lead's own workshop, or (operator) one
    workshop or all; or one statement (a slip reprinted after its link was replaced)."""
    period = period_get(viewer=viewer, period_id=period_id)
    if (
        is_operator(viewer)
        and workshop_id is None
        and statement_id is None
        and period.workshop_id is None
    ):
        # a national period has tens of thousands of households: print one workshop at a time
        raise BadRequest(_("打印结算单请指定工坊。"), code="workshop_required")
    statements = scope(
        Statement.objects.filter(period=period),
        viewer=viewer,
        workshop="household__workshop__organisation",
    )
    if workshop_id is not None:
        statements = statements.filter(household__workshop_id=workshop_id)
    if statement_id is not None:
        statements = statements.filter(pk=statement_id)
    return list(statements.order_by("household__name", "pk").values_list("token", flat=True))


def statement_list(*, viewer: User, period_id: int, search: str = "") -> QuerySet[Statement]:
    """A period's statements to find one household's (operators: a lost slip to replace).
    Rows carry no token: a list of links would be a list of keys."""
    ensure_role(viewer, Role.OPERATOR)
    period = period_get(viewer=viewer, period_id=period_id)
    statements = Statement.objects.filter(period=period).select_related(
        "household__workshop__organisation"
    )
    search = search.strip()
    if search:
        statements = statements.filter(
            Q(household__name__icontains=search) | Q(household__phone=search)
        )
    return (
        statements.annotate(reissues=Count("link_events"))
        .defer("token")
        .order_by("household__name", "pk")
    )
