"""Computing a period, set-based: the database aggregates and inserts; Python touches pools only.

For one chunk of workshops, four statements do the work:

1. claim: ``INSERT INTO payoutclaim SELECT inspection ... ON CONFLICT DO NOTHING`` — every decided
   inspection of the scope and date range not yet claimed by any period gets one claim row. The
   inspection as primary key is the guard that a piece is paid in exactly one period, whatever
   periods (of whatever scopes) compute at the same time.
2. aggregate: one ``GROUP BY`` over the claimed outcomes into a temporary table, one row per
   (workshop, order, household) with the money rounded once to the fen;
3. pools: summed from the temporary table; Python splits each pool three ways
   (``money.split_pool``) and bulk-inserts them (a few thousand rows for the whole country);
4. lines: ``INSERT INTO payoutline SELECT ...`` from the temporary table with window functions
   doing the largest-remainder apportionment of each pool's household part over its lines, in the
   same order as ``money.apportion`` (largest remainder first, then household id).

Each chunk is its own transaction so that progress is visible while a large period runs; the
period stays ``computing`` (invisible to approval and exports) until the last chunk is in.

A run may be killed between any two statements and run again (Celery re-delivers a task whose
worker died; the jobs reaper re-sends one whose heartbeat stopped). A chunk commits whole or
not at all, so a workshop with claims in the period is done: a new run skips those and goes on
with the rest. Each chunk first locks the period row and checks it is still this compute's
(``still_ours``), then looks again at what is left, so that two runs of one compute (a zombie
and its successor) take turns and never write the same workshop twice.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from orders.models import Order
from workshops.models import Workshop

from .models import PayoutClaim, PayoutLine, PayoutPeriod, PayoutPool, PayoutShareConfig
from .money import Share, split_pool

# PostgreSQL: memory for one sort or hash in the compute's statements (the default 4 MB spills
# a national period's GROUP BY and window sort to disk). Set per transaction only.
COMPUTE_WORK_MEM = "64MB"

# Workshops per chunk: big enough that per-statement overhead does not dominate, small enough
# that progress moves and one transaction stays modest (``PAYOUT_COMPUTE_CHUNK_WORKSHOPS``).
CHUNK_WORKSHOPS = 100


def table_name(app_label: str, model_name: str) -> str:
    return connection.ops.quote_name(apps.get_model(app_label, model_name)._meta.db_table)


def period_bounds(period: PayoutPeriod) -> tuple[datetime, datetime]:
    """[start of starts_on, start of the day after ends_on) in the platform's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.starts_on, time.min, tzinfo=tz)
    end = datetime.combine(period.ends_on + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def scope_workshop_ids(period: PayoutPeriod) -> list[int]:
    workshops = Workshop.objects.all()
    if period.scope == PayoutPeriod.Scope.WORKSHOP:
        workshops = workshops.filter(pk=period.workshop_id)
    elif period.scope == PayoutPeriod.Scope.REGION:
        workshops = workshops.filter(organisation__service_center_id=period.region_id)
    return list(workshops.order_by("pk").values_list("pk", flat=True))


def chunked(ids: Sequence[int], size: int | None = None) -> list[Sequence[int]]:
    size = size or getattr(settings, "PAYOUT_COMPUTE_CHUNK_WORKSHOPS", 0) or CHUNK_WORKSHOPS
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _in_list(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


TEMP_LINES = "payouts_chunk_lines"


def claim_inspections(*, period: PayoutPeriod, workshop_ids: Sequence[int], end: datetime) -> int:
    """Claim every inspection of these workshops decided before ``end`` and not yet claimed.

    No lower bound: pieces decided before the period's start that no period has paid (a late
    inspection, a gap between periods, a draft deleted) are carried into this one.
    Quality sets ``Inspection.decided_at`` in the same transaction that writes the inspection's
    PieceOutcome rows, so this reads inspections (tens per workshop) instead of every outcome.
    """
    inspection = table_name("quality", "Inspection")
    lot = table_name("quality", "Lot")
    claim = connection.ops.quote_name(PayoutClaim._meta.db_table)
    sql = f"""
        INSERT INTO {claim} (inspection_id, period_id, workshop_id)
        SELECT i.id, %s, l.workshop_id FROM {inspection} i
        JOIN {lot} l ON l.id = i.lot_id
        WHERE l.workshop_id IN ({_in_list(workshop_ids)})
          AND i.decided_at < %s
          AND NOT EXISTS (SELECT 1 FROM {claim} c2 WHERE c2.inspection_id = i.id)
        ON CONFLICT (inspection_id) DO NOTHING
    """  # noqa: S608 - quoted table names and placeholders only
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        cursor.execute(sql, [period.pk, *workshop_ids, adapt(end)])
        return cursor.rowcount


def aggregate_lines(*, period: PayoutPeriod, workshop_ids: Sequence[int]) -> None:
    """Into a temporary table: per (workshop, order, household) the pieces, fees and money.

    Fees become integer units of 0.0001 yuan; SUM of bigint is numeric on PostgreSQL, hence the
    casts back to BIGINT before the half-up integer rounding ``(units + 50) / 100``.
    """
    outcome = table_name("quality", "PieceOutcome")
    claim = connection.ops.quote_name(PayoutClaim._meta.db_table)
    order = connection.ops.quote_name(Order._meta.db_table)
    fee_units = "CAST(ROUND(ord.fee_per_piece * 10000) AS BIGINT)"
    rework_units = (
        "CAST(ROUND(COALESCE(ord.rework_fee_per_piece, ord.fee_per_piece) * 10000) AS BIGINT)"
    )
    sql = f"""
        CREATE TEMPORARY TABLE {TEMP_LINES} AS
        SELECT c.workshop_id AS workshop_id, o.order_id AS order_id,
               o.household_id AS household_id,
               CAST(SUM(CASE WHEN o.is_rework THEN 0 ELSE o.accepted END) AS BIGINT) AS pieces,
               CAST(SUM(CASE WHEN o.is_rework THEN o.accepted ELSE 0 END) AS BIGINT)
                   AS rework_pieces,
               (CAST(SUM(o.accepted * CASE WHEN o.is_rework THEN {rework_units}
                                          ELSE {fee_units} END) AS BIGINT) + 50) / 100
                   AS gross
        FROM {claim} c
        JOIN {outcome} o ON o.inspection_id = c.inspection_id
        JOIN {order} ord ON ord.id = o.order_id
        WHERE c.period_id = %s AND c.workshop_id IN ({_in_list(workshop_ids)})
          AND o.accepted > 0
        GROUP BY c.workshop_id, o.order_id, o.household_id
    """  # noqa: S608 - quoted table names and placeholders only
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP_LINES}")
        cursor.execute(sql, [period.pk, *workshop_ids])


def drop_aggregate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP_LINES}")


@dataclass(frozen=True)
class WorkshopPayees:
    lead_id: int | None
    service_center_id: int | None
    lead: Share
    center: Share


def workshop_payees(workshop_ids: Sequence[int]) -> dict[int, WorkshopPayees]:
    shares = {
        config.workshop_id: config
        for config in PayoutShareConfig.objects.filter(workshop_id__in=workshop_ids)
    }
    payees = {}
    for workshop_id, lead_id, center_id in Workshop.objects.filter(pk__in=workshop_ids).values_list(
        "pk", "lead_id", "organisation__service_center_id"
    ):
        config = shares.get(workshop_id)
        payees[workshop_id] = WorkshopPayees(
            lead_id=lead_id,
            service_center_id=center_id,
            lead=Share(config.lead_kind, Decimal(config.lead_value)) if config else Share(),
            center=Share(config.center_kind, Decimal(config.center_value)) if config else Share(),
        )
    return payees


def build_pools(*, period: PayoutPeriod, workshop_ids: Sequence[int]) -> int:
    """Aggregate this chunk's claimed pieces into pools and split each one exactly."""
    sql = f"""
        SELECT g.workshop_id, g.order_id, CAST(SUM(g.pieces) AS BIGINT),
               CAST(SUM(g.rework_pieces) AS BIGINT), CAST(SUM(g.gross) AS BIGINT)
        FROM {TEMP_LINES} g
        GROUP BY g.workshop_id, g.order_id
    """  # noqa: S608 - a constant table name only
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    if not rows:
        return 0
    payees = workshop_payees(workshop_ids)
    orders = {
        order.pk: order
        for order in Order.objects.filter(pk__in={row[1] for row in rows}).only(
            "merchant_id", "fee_per_piece", "rework_fee_per_piece"
        )
    }
    pools = []
    for workshop_id, order_id, pieces, rework_pieces, gross in rows:
        payee = payees[workshop_id]
        split = split_pool(
            pool_fen=gross, pieces=pieces + rework_pieces, lead=payee.lead, center=payee.center
        )
        pools.append(
            PayoutPool(
                period=period,
                workshop_id=workshop_id,
                order_id=order_id,
                merchant_id=orders[order_id].merchant_id,
                fee=orders[order_id].fee_per_piece,
                rework_fee=orders[order_id].rework_fee,
                lead_id=payee.lead_id,
                service_center_id=payee.service_center_id,
                pieces=pieces,
                rework_pieces=rework_pieces,
                gross_fen=gross,
                households_fen=split.households,
                lead_fen=split.lead,
                center_fen=split.center,
                lead_kind=payee.lead.kind,
                lead_value=payee.lead.value,
                center_kind=payee.center.kind,
                center_value=payee.center.value,
            )
        )
    PayoutPool.objects.bulk_create(pools, batch_size=2000)
    return len(pools)


def build_lines(*, period: PayoutPeriod, workshop_ids: Sequence[int]) -> int:
    """Insert the household lines of this chunk, apportioning each pool's household part."""
    line = connection.ops.quote_name(PayoutLine._meta.db_table)
    pool = connection.ops.quote_name(PayoutPool._meta.db_table)
    base = "CASE WHEN p.gross_fen > 0 THEN p.households_fen * g.gross / p.gross_fen ELSE 0 END"
    remainder = (
        "CASE WHEN p.gross_fen > 0 THEN (p.households_fen * g.gross) %% p.gross_fen ELSE 0 END"
    )
    sql = f"""
        INSERT INTO {line} (pool_id, household_id, pieces, rework_pieces, gross_fen, amount_fen)
        SELECT t.pool_id, t.household_id, t.pieces, t.rework_pieces, t.gross,
               t.base + CASE WHEN t.rn <= t.households_fen - t.base_sum THEN 1 ELSE 0 END
        FROM (
            SELECT g.household_id, g.pieces, g.rework_pieces, g.gross,
                   p.id AS pool_id, p.households_fen,
                   {base} AS base,
                   CAST(SUM({base}) OVER (PARTITION BY p.id) AS BIGINT) AS base_sum,
                   ROW_NUMBER() OVER (
                       PARTITION BY p.id ORDER BY {remainder} DESC, g.household_id
                   ) AS rn
            FROM {TEMP_LINES} g
            JOIN {pool} p ON p.period_id = %s AND p.workshop_id = g.workshop_id
                         AND p.order_id = g.order_id
        ) t
    """  # noqa: S608 - quoted table names and placeholders only
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.pk])
        return cursor.rowcount


def workshops_done(*, period: PayoutPeriod, workshop_ids: Sequence[int] | None = None) -> set[int]:
    """Workshops whose chunk a run of this compute already committed (they have claims)."""
    claims = PayoutClaim.objects.filter(period_id=period.pk)
    if workshop_ids is not None:
        claims = claims.filter(workshop_id__in=workshop_ids)
    return set(claims.order_by().values_list("workshop_id", flat=True).distinct())


def compute_chunks(
    *,
    period: PayoutPeriod,
    still_ours: Callable[[], bool],
    progress: Callable[[int, int], bool],
) -> None:
    """Run every chunk not yet done, each in its own transaction; stop if the period is no
    longer ours (``still_ours`` is called first thing in each chunk's transaction and should
    lock the period row) or if ``progress`` answers False (a later run took the job over)."""
    _start, end = period_bounds(period)
    workshop_ids = scope_workshop_ids(period)
    done_before = workshops_done(period=period)
    remaining = [pk for pk in workshop_ids if pk not in done_before]
    total = len(workshop_ids)
    done = total - len(remaining)
    if not progress(done, total):
        raise ComputeSuperseded(period.pk)
    for chunk in chunked(remaining):
        with transaction.atomic():
            if not still_ours():
                raise ComputeSuperseded(period.pk)
            # Another run of this compute may have done some of them while we waited.
            done_now = workshops_done(period=period, workshop_ids=chunk)
            todo = [pk for pk in chunk if pk not in done_now]
            if todo:
                _compute_chunk(period=period, workshop_ids=todo, end=end)
        done += len(chunk)
        if not progress(done, total):
            raise ComputeSuperseded(period.pk)


def _compute_chunk(*, period: PayoutPeriod, workshop_ids: Sequence[int], end: datetime) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{COMPUTE_WORK_MEM}'")
            # A draft's chunk lost to a crash is only redone: no need to wait for the
            # WAL flush. Approval and payment keep the server's synchronous commit.
            cursor.execute("SET LOCAL synchronous_commit = off")
    claim_inspections(period=period, workshop_ids=workshop_ids, end=end)
    aggregate_lines(period=period, workshop_ids=workshop_ids)
    if build_pools(period=period, workshop_ids=workshop_ids):
        build_lines(period=period, workshop_ids=workshop_ids)
    drop_aggregate()


class ComputeSuperseded(Exception):
    """The period left ``computing`` (or was taken over after going stale) while we ran."""


def claimable_outcome_count(period: PayoutPeriod) -> int:
    """About how many outcome rows a compute would read (to choose in-process or the worker)."""
    _start, end = period_bounds(period)
    outcomes = apps.get_model("quality", "PieceOutcome").objects.filter(
        decided_at__lt=end, inspection__payout_claim__isnull=True
    )
    if period.scope == PayoutPeriod.Scope.WORKSHOP:
        outcomes = outcomes.filter(lot__workshop_id=period.workshop_id)
    elif period.scope == PayoutPeriod.Scope.REGION:
        outcomes = outcomes.filter(lot__workshop__organisation__service_center_id=period.region_id)
    return outcomes.count()
