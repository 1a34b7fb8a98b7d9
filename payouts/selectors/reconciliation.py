"""A period's reconciliation, per order and per merchant: pieces × fee = owed by the merchant =
households + lead + center, the expected side read independently of the stored pools and lines;
every difference is listed (there must be none). Premiums and advance recoveries are checked
apart (``extras.extras_reconciliation``) and their differences join the list.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, Sum

from ..compute import table_name
from ..models import PayoutAdjustment, PayoutLine, PayoutPeriod, PayoutPool
from .currency import period_currency_summary
from .extras import extras_reconciliation


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
    currencies = [row.as_dict() for row in period_currency_summary(period)]
    extras = extras_reconciliation(period=period)
    differences += extras["differences"]
    return {
        "orders": [_row_out(row) for _, row in sorted(orders.items())],
        "merchants": [_row_out(row) for _, row in sorted(merchants.items())],
        "differences": differences,
        "balanced": not differences,
        "bonus_fen": adjustments["bonus"] or 0,
        "deduction_fen": adjustments["deduction"] or 0,
        # Households paid abroad: the rate each currency was converted at, the CNY converted
        # (still inside the exact figures above) and the converted pool.
        "currencies": currencies,
        "premiums": extras["premiums"],
        "premium_fen": extras["premium_fen"],
        "recovery_fen": extras["recovery_fen"],
        "ledger_extras": extras["ledger"],
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
