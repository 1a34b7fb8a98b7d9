"""Reads for payouts, scoped to the viewer: operators see every period; a lead sees the lines of
its own workshop only; a household sees its own statement through its token, nothing else."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator, scope
from core.errors import BadRequest, Conflict, NotFound
from workshops.models import Household, mask_account, mask_phone

from .compute import table_name
from .models import PayoutAdjustment, PayoutLine, PayoutPeriod, PayoutPool, Statement
from .money import apportion

Status = PayoutPeriod.Status
Role = User.Role


class PeriodNotFound(NotFound):
    code = "payout_period_not_found"
    message = _("结算期不存在，或不属于您。")


class StatementNotFound(NotFound):
    code = "statement_not_found"
    message = _("结算单不存在。")


class PeriodNotExportable(Conflict):
    code = "payout_period_not_approved"
    message = _("结算期尚未审核，不能导出。")


def period_list(*, viewer: User, status: str | None = None) -> QuerySet[PayoutPeriod]:
    ensure_role(viewer, Role.OPERATOR)
    periods = PayoutPeriod.objects.select_related("region", "workshop__organisation")
    if status:
        periods = periods.filter(status=status)
    return periods.order_by("-ends_on", "-pk")


def period_get(*, viewer: User, period_id: int) -> PayoutPeriod:
    """A period as a lead or operator may see it: a lead only one whose scope has its workshop."""
    ensure_role(viewer, Role.OPERATOR, Role.LEAD)
    periods = PayoutPeriod.objects.select_related("region", "workshop__organisation")
    if not is_operator(viewer):
        workshop = getattr(viewer.organisation, "workshop", None) if viewer.organisation else None
        if workshop is None:
            raise PeriodNotFound(detail={"period_id": period_id})
        periods = periods.filter(
            Q(scope=PayoutPeriod.Scope.ALL)
            | Q(scope=PayoutPeriod.Scope.REGION, region_id=viewer.organisation.service_center_id)
            | Q(scope=PayoutPeriod.Scope.WORKSHOP, workshop_id=workshop.pk)
        )
    period = periods.filter(pk=period_id).first()
    if period is None:
        raise PeriodNotFound(detail={"period_id": period_id})
    return period


def line_list(
    *, viewer: User, period_id: int, workshop_id: int | None = None, search: str = ""
) -> QuerySet[PayoutLine]:
    """The household lines of a period; a lead gets only its own workshop's lines."""
    period = period_get(viewer=viewer, period_id=period_id)
    lines = scope(
        PayoutLine.objects.filter(pool__period=period),
        viewer=viewer,
        workshop="pool__workshop__organisation",
    )
    if workshop_id is not None:
        lines = lines.filter(pool__workshop_id=workshop_id)
    search = search.strip()
    if search:
        lines = lines.filter(_line_search(search))
    return lines.select_related(
        "household", "pool__order", "pool__workshop__organisation"
    ).order_by("pool__workshop_id", "household_id", "pool__order_id")


def _line_search(search: str) -> Q:
    """A household by name, by number (its id, "#12" too) or phone tail, or by workshop."""
    found = Q(household__name__icontains=search) | Q(
        pool__workshop__organisation__name__icontains=search
    )
    number = search.lstrip("#＃").strip()
    if number.isdigit():
        found |= Q(household_id=int(number))
        if len(number) >= 4:
            found |= Q(household__phone__endswith=number)
    return found


def period_workshop_totals(*, viewer: User, period_id: int, limit: int = 20) -> list[dict]:
    """A period's workshops with the most money: accepted pieces (reworked ones included: the
    same rows the money comes from) and the households' part."""
    ensure_role(viewer, Role.OPERATOR)
    rows = (
        PayoutLine.objects.filter(pool__period_id=period_id)
        .values("pool__workshop_id", "pool__workshop__organisation__name")
        .annotate(
            amount=Sum("amount_fen"),
            pieces=Sum("pieces"),
            rework_pieces=Sum("rework_pieces"),
            households=Count("household_id", distinct=True),
        )
        .order_by("-amount", "pool__workshop_id")[:limit]
    )
    return [
        {
            "id": row["pool__workshop_id"],
            "name": row["pool__workshop__organisation__name"],
            "accepted": row["pieces"] + row["rework_pieces"],
            "rework_pieces": row["rework_pieces"],
            "households": row["households"],
            "amount_fen": row["amount"],
        }
        for row in rows
    ]


def period_household(*, viewer: User, period_id: int, household_id) -> Household | None:
    """The household an operator chose on a period's page (its name beside the form)."""
    ensure_role(viewer, Role.OPERATOR)
    try:
        household_id = int(household_id)
    except (TypeError, ValueError):
        return None
    return (
        Household.objects.select_related("workshop__organisation").filter(pk=household_id).first()
    )


def period_household_count(*, period: PayoutPeriod) -> int:
    return PayoutLine.objects.filter(pool__period=period).values("household_id").distinct().count()


# --- reconciliation ------------------------------------------------------------------------


def _expected_by_order(period: PayoutPeriod) -> dict[int, tuple[int, int]]:
    """Independently of the stored pools and lines: per order, accepted pieces and the money
    they earn (per household line rounded once), read from the outcomes the period claimed."""
    claim = table_name("payouts", "PayoutClaim")
    outcome = table_name("quality", "PieceOutcome")
    order = table_name("orders", "Order")
    sql = f"""
        SELECT per_line.order_id, CAST(SUM(per_line.pieces) AS BIGINT),
               CAST(SUM(per_line.gross) AS BIGINT)
        FROM (
            SELECT c.workshop_id, o.household_id, o.order_id,
                   CAST(SUM(o.accepted) AS BIGINT) AS pieces,
                   (CAST(SUM(o.accepted * CAST(ROUND(
                        CASE WHEN o.is_rework
                             THEN COALESCE(ord.rework_fee_per_piece, ord.fee_per_piece)
                             ELSE ord.fee_per_piece END * 10000) AS BIGINT)) AS BIGINT) + 50)
                        / 100 AS gross
            FROM {claim} c
            JOIN {outcome} o ON o.inspection_id = c.inspection_id
            JOIN {order} ord ON ord.id = o.order_id
            WHERE c.period_id = %s AND o.accepted > 0
            GROUP BY c.workshop_id, o.household_id, o.order_id
        ) per_line
        GROUP BY per_line.order_id
    """  # noqa: S608 - quoted table names and placeholders only
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.pk])
        return {order_id: (pieces, gross) for order_id, pieces, gross in cursor.fetchall()}


@dataclass
class ReconciliationRow:
    key: int
    name: str
    pieces: int = 0
    expected_fen: int = 0  # accepted pieces × fee, per household line rounded once
    owed_fen: int = 0  # what the merchant is charged (the pools)
    households_fen: int = 0
    lead_fen: int = 0
    center_fen: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def paid_fen(self) -> int:
        return self.households_fen + self.lead_fen + self.center_fen


def period_reconciliation(*, period: PayoutPeriod) -> dict:
    """Per order and per merchant: pieces × fee = owed by the merchant = households + lead +
    center. Every difference is listed (there must be none)."""
    expected = _expected_by_order(period)
    lines = dict(
        PayoutLine.objects.filter(pool__period=period)
        .values("pool__order_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("pool__order_id", "total")
    )
    orders: dict[int, ReconciliationRow] = {}
    merchant_of: dict[int, tuple[int, str]] = {}
    for pool in PayoutPool.objects.filter(period=period).select_related("order", "merchant"):
        row = orders.setdefault(
            pool.order_id, ReconciliationRow(key=pool.order_id, name=pool.order.product_name)
        )
        row.pieces += pool.pieces + pool.rework_pieces
        row.owed_fen += pool.gross_fen
        row.lead_fen += pool.lead_fen
        row.center_fen += pool.center_fen
        merchant_of[pool.order_id] = (pool.merchant_id, pool.merchant.name)
    for order_id, row in orders.items():
        row.households_fen = lines.get(order_id, 0)
    for order_id in set(expected) - set(orders):
        orders[order_id] = ReconciliationRow(key=order_id, name=str(order_id))
    differences = []
    for order_id, row in sorted(orders.items()):
        pieces, expected_fen = expected.get(order_id, (0, 0))
        row.expected_fen = expected_fen
        if pieces != row.pieces:
            row.differences.append(f"pieces {pieces} != {row.pieces}")
        if expected_fen != row.owed_fen:
            row.differences.append(f"pieces×fee {expected_fen} != owed {row.owed_fen}")
        if row.owed_fen != row.paid_fen:
            row.differences.append(f"owed {row.owed_fen} != paid {row.paid_fen}")
        differences += [{"order_id": order_id, "difference": d} for d in row.differences]
    merchants: dict[int, ReconciliationRow] = {}
    for order_id, row in orders.items():
        merchant_id, merchant_name = merchant_of.get(order_id, (0, ""))
        total = merchants.setdefault(
            merchant_id, ReconciliationRow(key=merchant_id, name=merchant_name)
        )
        for attr in ("pieces", "expected_fen", "owed_fen", "households_fen", "lead_fen"):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
        total.center_fen += row.center_fen
    for merchant_id, total in merchants.items():
        if total.expected_fen != total.owed_fen or total.owed_fen != total.paid_fen:
            differences.append({"merchant_id": merchant_id, "difference": "merchant totals"})
    adjustments = PayoutAdjustment.objects.filter(period=period).aggregate(
        bonus=Sum("amount_fen", filter=Q(kind=PayoutAdjustment.Kind.BONUS)),
        deduction=Sum("amount_fen", filter=Q(kind=PayoutAdjustment.Kind.DEDUCTION)),
    )
    return {
        "orders": [_row_out(row) for _, row in sorted(orders.items())],
        "merchants": [_row_out(row) for _, row in sorted(merchants.items())],
        "differences": differences,
        "balanced": not differences,
        "bonus_fen": adjustments["bonus"] or 0,
        "deduction_fen": adjustments["deduction"] or 0,
    }


def _row_out(row: ReconciliationRow) -> dict:
    return {
        "id": row.key,
        "name": row.name,
        "pieces": row.pieces,
        "expected_fen": row.expected_fen,
        "owed_fen": row.owed_fen,
        "households_fen": row.households_fen,
        "lead_fen": row.lead_fen,
        "center_fen": row.center_fen,
        "paid_fen": row.paid_fen,
        "differences": row.differences,
    }


# --- exports -------------------------------------------------------------------------------


@dataclass
class TransferRow:
    """One household's money in a period: one bank or wallet transfer."""

    household_id: int
    name: str
    account_name: str
    account: str
    phone: str
    workshop: str
    pieces: int
    earned_fen: int
    bonus_fen: int
    deduction_fen: int

    @property
    def total_fen(self) -> int:
        return self.earned_fen + self.bonus_fen - self.deduction_fen


def transfer_rows(*, viewer: User, period_id: int) -> tuple[PayoutPeriod, list[TransferRow]]:
    """Rows of the transfer file of an approved (or paid) period.

    Payment accounts are in full only for an operator (the file goes to the bank); a lead gets
    its own workshop's households with accounts masked.
    """
    period = period_get(viewer=viewer, period_id=period_id)
    if period.status not in {Status.APPROVED, Status.PAID}:
        raise PeriodNotExportable(detail={"period_id": period_id, "status": period.status})
    lines = line_list(viewer=viewer, period_id=period_id)
    earned: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    workshop_name: dict[int, str] = {}
    for household_id, workshop, pieces, amount in lines.values_list(
        "household_id", "pool__workshop__organisation__name", "pieces", "amount_fen"
    ).order_by():
        earned[household_id][0] += pieces
        earned[household_id][1] += amount
        workshop_name.setdefault(household_id, workshop)
    rework = dict(
        lines.values("household_id")
        .annotate(total=Sum("rework_pieces"))
        .values_list("household_id", "total")
        .order_by()
    )
    adjustments: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    adjustment_rows = PayoutAdjustment.objects.filter(period=period)
    if not is_operator(viewer):
        adjustment_rows = adjustment_rows.filter(
            household__workshop__organisation=viewer.organisation
        )
    for adjustment in adjustment_rows:
        slot = 0 if adjustment.kind == PayoutAdjustment.Kind.BONUS else 1
        adjustments[adjustment.household_id][slot] += adjustment.amount_fen
    household_ids = sorted(set(earned) | set(adjustments))
    households = Household.objects.select_related("workshop__organisation").in_bulk(household_ids)
    full = is_operator(viewer)
    rows = []
    for household_id in household_ids:
        household = households[household_id]
        pieces, amount = earned.get(household_id, (0, 0))
        bonus, deduction = adjustments.get(household_id, (0, 0))
        rows.append(
            TransferRow(
                household_id=household_id,
                name=household.name,
                account_name=household.payment_account_name or household.name,
                account=household.payment_account
                if full
                else mask_account(household.payment_account),
                phone=household.phone if full else mask_phone(household.phone),
                workshop=workshop_name.get(household_id, household.workshop.name),
                pieces=pieces + rework.get(household_id, 0),
                earned_fen=amount,
                bonus_fen=bonus,
                deduction_fen=deduction,
            )
        )
    return period, rows


# --- statements ----------------------------------------------------------------------------


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
    return StatementDetail(
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
    )


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


def period_detail(*, viewer: User, period_id: int) -> PayoutPeriod:
    """A period with its household count and reconciliation (operator)."""
    ensure_role(viewer, Role.OPERATOR)
    period = period_get(viewer=viewer, period_id=period_id)
    period.household_count = period_household_count(period=period)
    period.reconciliation = period_reconciliation(period=period)
    return period


def adjustment_list(*, viewer: User, period_id: int) -> QuerySet[PayoutAdjustment]:
    ensure_role(viewer, Role.OPERATOR)
    period = period_get(viewer=viewer, period_id=period_id)
    return PayoutAdjustment.objects.filter(period=period).order_by("pk")


LOCKED_STATUSES = (PayoutPeriod.Status.APPROVED, PayoutPeriod.Status.PAID)


@dataclass
class EarningsByRegionMonth:
    province: str
    month: date | None
    households: int
    total_fen: int


@dataclass
class PayoutImpact:
    """Locked money only: a computed but unapproved period does not count yet."""

    households_earning: int
    paid_fen: int
    approved_unpaid_fen: int
    by_region_month: list[EarningsByRegionMonth]


def payout_impact(*, viewer: User) -> PayoutImpact:
    """Households earning and fees paid, overall and per province and month (operators)."""
    from django.db.models.functions import TruncMonth

    ensure_role(viewer, User.Role.OPERATOR)
    statements = Statement.objects.filter(period__status__in=LOCKED_STATUSES, total_fen__gt=0)
    gross = dict(
        PayoutPeriod.objects.filter(status__in=LOCKED_STATUSES)
        .values("status")
        .annotate(gross=Sum("gross_fen"))
        .values_list("status", "gross")
    )
    rows = (
        statements.annotate(month=TruncMonth("period__ends_on"))
        .values("household__workshop__organisation__province", "month")
        .annotate(households=Count("household", distinct=True), total=Sum("total_fen"))
        .order_by("-month", "household__workshop__organisation__province")
    )
    return PayoutImpact(
        households_earning=statements.values("household").distinct().count(),
        paid_fen=gross.get(PayoutPeriod.Status.PAID) or 0,
        approved_unpaid_fen=gross.get(PayoutPeriod.Status.APPROVED) or 0,
        by_region_month=[
            EarningsByRegionMonth(
                province=row["household__workshop__organisation__province"] or "",
                month=row["month"],
                households=row["households"],
                total_fen=row["total"] or 0,
            )
            for row in rows
        ],
    )


def fees_settled_by_order(order_ids: list[int]) -> dict[int, int]:
    """Fees of approved or paid periods per order, in fen (the pools' gross: households, lead
    and center together); what an order's completion summary shows as paid."""
    rows = (
        PayoutPool.objects.filter(
            order_id__in=list(order_ids),
            period__status__in=[PayoutPeriod.Status.APPROVED, PayoutPeriod.Status.PAID],
        )
        .values("order_id")
        .annotate(total=Sum("gross_fen"))
        .values_list("order_id", "total")
    )
    return {order_id: total or 0 for order_id, total in rows}


# --- the merchant's statement --------------------------------------------------------------


class MerchantRequired(BadRequest):
    code = "merchant_required"
    message = _("请指定商家。")


@dataclass
class MerchantStatementRow:
    """One order of the merchant in a period: the accepted pieces and what they cost it,
    the same pieces and money as the period's reconciliation of that order."""

    order_id: int
    product: str
    pieces: int  # accepted at first inspection
    rework_pieces: int  # accepted after rework
    fee: Decimal
    rework_fee: Decimal
    owed_fen: int  # Σ of the workshops' pools: each household line rounded once

    @property
    def accepted(self) -> int:
        return self.pieces + self.rework_pieces


@dataclass
class MerchantStatement:
    period: PayoutPeriod
    merchant_id: int
    merchant: str
    rows: list[MerchantStatementRow]

    @property
    def owed_fen(self) -> int:
        return sum(row.owed_fen for row in self.rows)

    @property
    def accepted(self) -> int:
        return sum(row.accepted for row in self.rows)

    @property
    def rework_pieces(self) -> int:
        return sum(row.rework_pieces for row in self.rows)


def _statement_merchant_id(viewer: User, merchant_id: int | None) -> int:
    ensure_role(viewer, Role.MERCHANT, Role.OPERATOR)
    if is_operator(viewer):
        if merchant_id is None:
            raise MerchantRequired()
        return merchant_id
    return viewer.organisation_id


def merchant_period_list(*, viewer: User) -> QuerySet[PayoutPeriod]:
    """The approved (or paid) periods that charge the merchant for some order of its own."""
    ensure_role(viewer, Role.MERCHANT)
    return (
        PayoutPeriod.objects.filter(
            status__in=LOCKED_STATUSES, pools__merchant_id=viewer.organisation_id
        )
        .distinct()
        .order_by("-ends_on", "-pk")
    )


def merchant_statement_get(
    *, viewer: User, period_id: int, merchant_id: int | None = None
) -> MerchantStatement:
    """What one merchant owes in an approved period, per order: a merchant sees its own only
    (another merchant's period, or one not yet approved, is 404); an operator names it."""
    merchant_id = _statement_merchant_id(viewer, merchant_id)
    period = PayoutPeriod.objects.filter(pk=period_id, status__in=LOCKED_STATUSES).first()
    pools = PayoutPool.objects.filter(period_id=period_id, merchant_id=merchant_id)
    if period is None or not pools.exists():
        raise PeriodNotFound(detail={"period_id": period_id})
    rows: dict[int, MerchantStatementRow] = {}
    merchant = ""
    for pool in pools.select_related("order", "merchant").order_by("order_id", "pk"):
        merchant = pool.merchant.name
        row = rows.setdefault(
            pool.order_id,
            MerchantStatementRow(
                order_id=pool.order_id,
                product=pool.order.product_name,
                pieces=0,
                rework_pieces=0,
                fee=pool.fee,
                rework_fee=pool.rework_fee,
                owed_fen=0,
            ),
        )
        row.pieces += pool.pieces
        row.rework_pieces += pool.rework_pieces
        row.owed_fen += pool.gross_fen
    return MerchantStatement(
        period=period, merchant_id=merchant_id, merchant=merchant, rows=list(rows.values())
    )
