# ruff: noqa: E501 - the invariants are SQL, one statement to a string, and rows are dicts
"""The invariants of DOMAIN.md the data could break, checked in SQL, and the sizes."""

from __future__ import annotations

import time

from django.apps import apps
from django.db import connection

# --- The invariants --------------------------------------------------------------------------


CHECKS = [
    ("an order's batches add up to its quantity",
     "SELECT COUNT(*) FROM orders_order o WHERE o.status <> 'draft' AND o.quantity <> "
     "(SELECT COALESCE(SUM(b.quantity), 0) FROM orders_batch b WHERE b.order_id = o.id)"),
    ("issued to households ≤ batch quantity",
     "SELECT COUNT(*) FROM orders_batch b WHERE b.quantity < "
     "(SELECT COALESCE(SUM(t.issued), 0) FROM orders_ticket t WHERE t.batch_id = b.id)"),
    ("per ticket returned + lost ≤ issued",
     "SELECT COUNT(*) FROM orders_ticket WHERE returned + lost > issued"),
    ("a ticket's returns add up to its returned and lost",
     "SELECT COUNT(*) FROM orders_ticket t WHERE t.returned <> (SELECT COALESCE(SUM(r.returned), 0) "
     "FROM orders_ticketreturn r WHERE r.ticket_id = t.id) OR t.lost <> (SELECT COALESCE(SUM(r.lost), 0) "
     "FROM orders_ticketreturn r WHERE r.ticket_id = t.id)"),
    ("a loss has a reason",
     "SELECT COUNT(*) FROM orders_ticketreturn WHERE lost > 0 AND loss_reason = ''"),
    ("a ticket's household belongs to the batch's workshop",
     "SELECT COUNT(*) FROM orders_ticket t JOIN orders_batch b ON b.id = t.batch_id "
     "JOIN workshops_household h ON h.id = t.household_id WHERE h.workshop_id <> b.workshop_id"),
    ("pieces packed into finished lots = pieces returned (returned batches and later)",
     "SELECT COUNT(*) FROM orders_batch b WHERE b.status IN ('returned', 'inspected', 'closed') AND "
     "(SELECT COALESCE(SUM(s.quantity), 0) FROM quality_lotshare s JOIN quality_lot l ON l.id = s.lot_id "
     "WHERE l.batch_id = b.id AND l.kind = 'finished') <> "
     "(SELECT COALESCE(SUM(t.returned), 0) FROM orders_ticket t WHERE t.batch_id = b.id)"),
    ("a household's pieces in a batch's lots = what it returned",
     "SELECT COUNT(*) FROM (SELECT l.batch_id, s.household_id, SUM(s.quantity) AS q FROM quality_lotshare s "
     "JOIN quality_lot l ON l.id = s.lot_id GROUP BY l.batch_id, s.household_id) p WHERE p.q <> "
     "(SELECT COALESCE(SUM(t.returned), 0) FROM orders_ticket t WHERE t.batch_id = p.batch_id "
     "AND t.household_id = p.household_id)"),
    ("a lot's shares add up to the lot",
     "SELECT COUNT(*) FROM quality_lot l WHERE l.kind = 'finished' AND l.quantity <> "
     "(SELECT COALESCE(SUM(s.quantity), 0) FROM quality_lotshare s WHERE s.lot_id = l.id)"),
    ("a lot belongs to its batch's workshop",
     "SELECT COUNT(*) FROM quality_lot l JOIN orders_batch b ON b.id = l.batch_id "
     "WHERE l.workshop_id <> b.workshop_id OR b.workshop_id IS NULL"),
    ("for a decided inspection, accepted + rejected = lot quantity",
     "SELECT COUNT(*) FROM quality_inspection i JOIN quality_lot l ON l.id = i.lot_id "
     "WHERE i.decided_at IS NOT NULL AND i.lot_size <> l.quantity OR i.decided_at IS NOT NULL AND "
     "l.quantity <> (SELECT COALESCE(SUM(o.accepted + o.rejected), 0) FROM quality_pieceoutcome o "
     "WHERE o.inspection_id = i.id)"),
    ("an undecided inspection has no outcomes",
     "SELECT COUNT(*) FROM quality_pieceoutcome o JOIN quality_inspection i ON i.id = o.inspection_id "
     "WHERE i.decided_at IS NULL"),
    ("an outcome's household, batch and order are its lot's",
     "SELECT COUNT(*) FROM quality_pieceoutcome o JOIN quality_lot l ON l.id = o.lot_id "
     "JOIN orders_batch b ON b.id = l.batch_id WHERE o.batch_id <> l.batch_id OR o.order_id <> b.order_id "
     "OR NOT EXISTS (SELECT 1 FROM quality_lotshare s WHERE s.lot_id = l.id AND s.household_id = o.household_id)"),
    ("a lot has one decided inspection at most",
     "SELECT COUNT(*) FROM (SELECT lot_id FROM quality_inspection WHERE decided_at IS NOT NULL "
     "GROUP BY lot_id HAVING COUNT(*) > 1) x"),
    ("a closed batch has every lot decided",
     "SELECT COUNT(*) FROM quality_lot l JOIN orders_batch b ON b.id = l.batch_id WHERE b.status = 'closed' "
     "AND l.kind = 'finished' AND l.verdict NOT IN ('accepted', 'sorted', 'scrapped')"),
    ("a completed order has every batch closed",
     "SELECT COUNT(*) FROM orders_order o WHERE o.status = 'completed' AND EXISTS "
     "(SELECT 1 FROM orders_batch b WHERE b.order_id = o.id AND b.status NOT IN ('closed', 'cancelled'))"),
    ("a lot stands at its last scan",
     "SELECT COUNT(*) FROM quality_lot l WHERE l.stage <> COALESCE((SELECT e.stage_after FROM "
     "quality_scanevent e WHERE e.lot_id = l.id AND e.applied ORDER BY e.device_time DESC, e.id DESC "
     "LIMIT 1), 'packed')"),
    ("a batch's events end at its status",
     "SELECT COUNT(*) FROM orders_batch b WHERE b.status <> COALESCE((SELECT e.to_status FROM "
     "orders_batchevent e WHERE e.batch_id = b.id ORDER BY e.at DESC, e.id DESC LIMIT 1), 'open')"),
    ("every accepted piece decided inside a computed period is claimed by one",
     "SELECT COUNT(*) FROM quality_pieceoutcome o WHERE o.accepted > 0 AND o.decided_at >= %(first)s "
     "AND o.decided_at < %(last)s AND NOT EXISTS (SELECT 1 FROM payouts_payoutclaim c "
     "WHERE c.inspection_id = o.inspection_id)"),
    ("a pool's households + lead + centre = its gross",
     "SELECT COUNT(*) FROM payouts_payoutpool WHERE gross_fen <> households_fen + lead_fen + center_fen"),
    ("a pool's lines add up to its households' part",
     "SELECT COUNT(*) FROM payouts_payoutpool p WHERE p.households_fen <> "
     "(SELECT COALESCE(SUM(l.amount_fen), 0) FROM payouts_payoutline l WHERE l.pool_id = p.id)"),
    ("a period's totals are its pools'",
     "SELECT COUNT(*) FROM payouts_payoutperiod p WHERE p.status IN ('computed', 'approved', 'paid') AND "
     "(p.gross_fen, p.households_fen, p.lead_fen, p.center_fen) <> (SELECT COALESCE(SUM(q.gross_fen), 0), "
     "COALESCE(SUM(q.households_fen), 0), COALESCE(SUM(q.lead_fen), 0), COALESCE(SUM(q.center_fen), 0) "
     "FROM payouts_payoutpool q WHERE q.period_id = p.id)"),
    ("statements add up to the households' money of the period",
     "SELECT COUNT(*) FROM payouts_payoutperiod p WHERE p.status IN ('approved', 'paid') AND "
     "p.households_fen + p.bonus_fen - p.deduction_fen <> (SELECT COALESCE(SUM(s.total_fen), 0) "
     "FROM payouts_statement s WHERE s.period_id = p.id)"),
    ("the merchants are charged a period's gross in the ledger",
     "SELECT COUNT(*) FROM payouts_payoutperiod p WHERE p.status IN ('approved', 'paid') AND p.gross_fen <> "
     "(SELECT COALESCE(SUM(e.amount_fen), 0) FROM payouts_ledgerentry e WHERE e.period_id = p.id "
     "AND e.kind = 'merchant_charge')"),
    ("only approved and paid periods have statements",
     "SELECT COUNT(*) FROM payouts_statement s JOIN payouts_payoutperiod p ON p.id = s.period_id "
     "WHERE p.status NOT IN ('approved', 'paid')"),
]  # fmt: skip


def check(echo=print) -> list[str]:
    """Every invariant above plus each period's reconciliation; returns the failures."""
    from payouts.models import PayoutPeriod
    from payouts.selectors import period_reconciliation

    failures = []
    periods = PayoutPeriod.objects.filter(status__in=["approved", "paid"]).order_by("starts_on")
    bounds = {"first": None, "last": None}
    if periods:
        from payouts.compute import period_bounds

        adapt = connection.ops.adapt_datetimefield_value  # SQLite compares text in UTC
        bounds = {
            "first": adapt(period_bounds(periods[0])[0]),
            "last": adapt(period_bounds(periods.last())[1]),
        }
    with connection.cursor() as cursor:
        for name, sql in CHECKS:
            if "%(first)s" in sql and bounds["first"] is None:
                continue
            began = time.perf_counter()
            cursor.execute(sql, bounds if "%(first)s" in sql else None)
            bad = cursor.fetchone()[0]
            echo(
                f"  {'ok ' if not bad else 'BAD'} {name}{f': {bad} rows' if bad else ''} ({time.perf_counter() - began:.1f} s)"
            )
            if bad:
                failures.append(f"{name}: {bad}")
    for period in periods:
        reconciliation = period_reconciliation(period=period)
        if not reconciliation["balanced"]:
            failures.append(
                f"period {period.pk} does not reconcile: {reconciliation['differences'][:3]}"
            )
    echo(
        f"  {'ok ' if not failures or all('reconcile' not in f for f in failures) else 'BAD'} every approved period reconciles to the fen ({len(periods)} periods)"
    )
    return failures


def sizes_report() -> dict[str, int]:
    tables = [
        ("accounts", "Organisation"), ("accounts", "User"), ("workshops", "Workshop"),
        ("workshops", "Household"), ("orders", "Order"), ("orders", "Batch"), ("orders", "BatchEvent"),
        ("orders", "Ticket"), ("orders", "TicketReturn"), ("quality", "Lot"), ("quality", "LotShare"),
        ("quality", "ScanEvent"), ("quality", "Inspection"), ("quality", "Defect"),
        ("quality", "PieceOutcome"), ("trainees", "Cohort"), ("trainees", "Trainee"),
        ("trainees", "ProgressLog"), ("trainees", "Assessment"), ("payouts", "PayoutPeriod"),
        ("payouts", "PayoutPool"), ("payouts", "PayoutLine"), ("payouts", "Statement"),
        ("payouts", "LedgerEntry"),
    ]  # fmt: skip
    return {f"{a}.{m}": apps.get_model(a, m).objects.count() for a, m in tables}


def figures() -> dict[str, int]:
    """A few totals people ask about: pieces, money, open batches, the biggest workshop."""
    from django.db.models import Count, Sum

    Batch = apps.get_model("orders", "Batch")
    Household = apps.get_model("workshops", "Household")
    Period = apps.get_model("payouts", "PayoutPeriod")
    Outcome = apps.get_model("quality", "PieceOutcome")
    biggest = Household.objects.values("workshop_id").annotate(n=Count("id")).order_by("-n").first()
    return {
        "ordered pieces": apps.get_model("orders", "Order").objects.aggregate(s=Sum("quantity"))[
            "s"
        ]
        or 0,
        "accepted pieces": Outcome.objects.aggregate(s=Sum("accepted"))["s"] or 0,
        "rejected pieces": Outcome.objects.aggregate(s=Sum("rejected"))["s"] or 0,
        "open batches": Batch.objects.filter(status="open").count(),
        "batches in work": Batch.objects.filter(
            status__in=["claimed", "in_production", "returned", "inspected"]
        ).count(),
        "paid to households (fen)": Period.objects.aggregate(s=Sum("households_fen"))["s"] or 0,
        "gross (fen)": Period.objects.aggregate(s=Sum("gross_fen"))["s"] or 0,
        "biggest workshop (households)": biggest["n"] if biggest else 0,
    }
