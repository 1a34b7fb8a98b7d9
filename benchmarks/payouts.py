"""Compute a national-scale payout period, against a hand-written SQL GROUP BY of the same money.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_payouts_bench \\
        python -m benchmarks payouts [--households 61000] [--workshops 600] [--orders 200]
                                     [--pieces 5000000] [--outcomes 300000] [--keep]

PostgreSQL only. The database is WIPED (every platform table truncated) and filled with
synthetic data: households in workshops, orders with different fees (some with a rework fee),
batches, lots, inspections and PieceOutcome rows that carry the accepted pieces. Generation is
not timed. Then, timed:

- ``period_compute`` of one period over everything (claims, pools, lines: the real service);
- a hand-written ``GROUP BY`` (per workshop, household and order, money rounded once per line)
  that sums the same money, run three times, the best counted.

Prints both, their ratio, the peak memory (max RSS of this process) and checks the totals agree.
Targets: compute ≤ 20 s, ratio ≤ 3, peak memory ≤ 1 GB.
"""

import argparse
import random
import resource
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

# Synthetic people never sign in.
UNUSABLE = "!"
TARGET_SECONDS = 20.0
TARGET_RATIO = 3.0
TARGET_RSS_MB = 1024.0
PERIOD_START = date(2026, 3, 1)
PERIOD_END = date(2026, 3, 31)
WIPED_APPS = ["payouts", "quality", "orders", "workshops", "jobs", "accounts"]

REFERENCE_SQL = """
SELECT COUNT(*), SUM(gross), SUM(pieces) FROM (
    SELECT b.workshop_id, o.household_id, o.order_id,
           SUM(o.accepted) AS pieces,
           ROUND(SUM(o.accepted * CASE WHEN o.is_rework
                 THEN COALESCE(ord.rework_fee_per_piece, ord.fee_per_piece)
                 ELSE ord.fee_per_piece END) * 100) AS gross
    FROM quality_pieceoutcome o
    JOIN orders_batch b ON b.id = o.batch_id
    JOIN orders_order ord ON ord.id = o.order_id
    WHERE o.accepted > 0 AND o.decided_at >= %s AND o.decided_at < %s
    GROUP BY b.workshop_id, o.household_id, o.order_id
) per_line
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks payouts")
    parser.add_argument("--households", type=int, default=61_000)
    parser.add_argument("--workshops", type=int, default=600)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--pieces", type=int, default=5_000_000)
    parser.add_argument("--outcomes", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    return parser.parse_args(argv)


def copy_rows(model, rows) -> int:
    """COPY dicts into ``model``'s table; fields not given get their model default."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.has_default() or f.null
    }
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(f.attname, defaults.get(f.attname)) for f in fields])
                count += 1
    return count


def wipe() -> None:
    tables = [
        model._meta.db_table
        for label in WIPED_APPS
        for model in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def generate(args: argparse.Namespace) -> None:
    from accounts.models import Organisation, User
    from orders.models import Batch, Order
    from payouts.models import PayoutShareConfig
    from quality.models import Inspection, Lot, PieceOutcome
    from workshops.models import Household, Workshop

    rng = random.Random(args.seed)
    tz = timezone.get_current_timezone()
    Kind = Organisation.Kind
    operator_org = Organisation.objects.create(kind=Kind.OPERATOR, name="义乌市手创共富服务基地")
    User.objects.create(
        username="bench-operator",
        role=User.Role.OPERATOR,
        organisation=operator_org,
        password=UNUSABLE,
    )
    centers = Organisation.objects.bulk_create(
        [Organisation(kind=Kind.SERVICE_CENTER, name=f"服务中心{i:02d}") for i in range(10)]
    )
    merchants = Organisation.objects.bulk_create(
        [Organisation(kind=Kind.MERCHANT, name=f"义乌商家{i:02d}") for i in range(20)]
    )
    merchant_users = User.objects.bulk_create(
        [
            User(
                username=f"merchant{i}", role=User.Role.MERCHANT, organisation=m, password=UNUSABLE
            )
            for i, m in enumerate(merchants)
        ]
    )
    checker = User.objects.create(
        username="bench-checker", role=User.Role.CHECKER, organisation=centers[0], password=UNUSABLE
    )
    workshop_orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                kind=Kind.WORKSHOP, name=f"共富工坊{i:04d}", service_center=centers[i % 10]
            )
            for i in range(args.workshops)
        ]
    )
    leads = User.objects.bulk_create(
        [
            User(username=f"lead{i}", role=User.Role.LEAD, organisation=org, password=UNUSABLE)
            for i, org in enumerate(workshop_orgs)
        ]
    )
    workshops = Workshop.objects.bulk_create(
        [
            Workshop(organisation=org, lead=lead)
            for org, lead in zip(workshop_orgs, leads, strict=True)
        ]
    )
    PayoutShareConfig.objects.bulk_create(
        [
            PayoutShareConfig(
                workshop=w,
                lead_kind="percent",
                lead_value=Decimal(rng.choice(["3", "5", "8"])),
                center_kind="percent" if i % 2 else "per_piece",
                center_value=Decimal("2") if i % 2 else Decimal("0.0100"),
            )
            for i, w in enumerate(workshops)
        ]
    )
    per_workshop = args.households // args.workshops
    extra = args.households % args.workshops
    copy_rows(
        Household,
        (
            {
                "workshop_id": w.pk,
                "name": f"农户{wi:04d}-{h:03d}",
                "members": 1,
                "phone": f"138{wi:04d}{h:04d}",
                "payment_account": f"6217{wi:06d}{h:09d}",
                "payment_account_name": f"农户{wi:04d}-{h:03d}",
                "joined_on": date(2025, 1, 1),
                "is_active": True,
            }
            for wi, w in enumerate(workshops)
            for h in range(per_workshop + (1 if wi < extra else 0))
        ),
    )
    households_by_workshop: dict[int, list[int]] = {}
    for household_id, workshop_id in Household.objects.values_list("pk", "workshop_id"):
        households_by_workshop.setdefault(workshop_id, []).append(household_id)

    orders = []
    for i in range(args.orders):
        fee = Decimal(rng.randint(500, 20000)) / 10000  # 0.05 – 2.00 yuan, four places
        orders.append(
            Order(
                merchant=merchants[i % len(merchants)],
                created_by=merchant_users[i % len(merchants)],
                product_name=f"手工编织品{i:03d}",
                quantity=1_000_000,
                fee_per_piece=fee,
                rework_fee_per_piece=(fee * Decimal("0.8")).quantize(Decimal("0.0001"))
                if i % 3 == 0
                else None,
                standard_minutes=Decimal("6"),
                deadline=date(2026, 6, 30),
                batch_size=1000,
                status=Order.Status.PUBLISHED,
            )
        )
    orders = Order.objects.bulk_create(orders)

    # Batches: each outcome is one household's share of one batch's lot; ~50 per batch. A
    # workshop works on a few orders at a time, so its households return several lots of each.
    per_batch = 50
    batch_count = max(1, args.outcomes // per_batch)
    batches = []
    numbers: dict[int, int] = {}
    workshop_orders = {
        w.pk: [orders[(wi * 3 + k) % len(orders)] for k in range(3)]
        for wi, w in enumerate(workshops)
    }
    for i in range(batch_count):
        workshop = workshops[i % len(workshops)]
        order = workshop_orders[workshop.pk][(i // len(workshops)) % 3]
        numbers[order.pk] = numbers.get(order.pk, 0) + 1
        batches.append(
            Batch(
                order=order,
                number=numbers[order.pk],
                quantity=1000,
                status=Batch.Status.INSPECTED,
                workshop=workshop,
            )
        )
    batches = Batch.objects.bulk_create(batches, batch_size=5000)
    lots = Lot.objects.bulk_create(
        [
            Lot(
                code=f"B{i:010d}",
                kind=Lot.Kind.FINISHED,
                batch=b,
                workshop_id=b.workshop_id,
                quantity=1000,
                created_by=checker,
            )
            for i, b in enumerate(batches)
        ],
        batch_size=5000,
    )
    start = datetime.combine(PERIOD_START, datetime.min.time(), tzinfo=tz)
    span = int(timedelta(days=(PERIOD_END - PERIOD_START).days + 1).total_seconds()) - 1

    def inspection(lot, round_: int):
        # Quality writes an inspection's outcomes at once, with the inspection's decided_at.
        return Inspection(
            lot=lot,
            round=round_,
            checker=checker,
            severity="normal",
            level="II",
            aql=Decimal("2.5"),
            code_letter="J",
            lot_size=1000,
            sample_size=80,
            accept=5,
            reject=6,
            verdict=Inspection.Verdict.ACCEPTED,
            decided_at=start + timedelta(seconds=rng.randint(0, span)),
        )

    first_round = Inspection.objects.bulk_create(
        [inspection(lot, 1) for lot in lots], batch_size=5000
    )
    reworked = {i for i in range(len(lots)) if i % 10 == 0}
    second_round = dict(
        zip(
            sorted(reworked),
            Inspection.objects.bulk_create(
                [inspection(lots[i], 2) for i in sorted(reworked)], batch_size=5000
            ),
            strict=True,
        )
    )

    # Accepted pieces per outcome: random, then nudged so they sum to exactly --pieces.
    counts = [
        rng.randint(1, 2 * args.pieces // args.outcomes) for _ in range(batch_count * per_batch)
    ]
    difference = args.pieces - sum(counts)
    while difference:
        i = rng.randrange(len(counts))
        step = 1 if difference > 0 else -1
        if counts[i] + step >= 1:
            counts[i] += step
            difference -= step

    def outcome_rows():
        n = 0
        for bi, batch in enumerate(batches):
            pool = households_by_workshop[batch.workshop_id]
            chosen = rng.sample(pool, min(per_batch, len(pool)))
            for k, household_id in enumerate(chosen):
                rework = bi in reworked and k % 3 == 0
                yield {
                    "lot_id": lots[bi].pk,
                    "inspection_id": (second_round[bi] if rework else first_round[bi]).pk,
                    "household_id": household_id,
                    "batch_id": batch.pk,
                    "order_id": batch.order_id,
                    "accepted": counts[n],
                    "rejected": rng.choice((0, 0, 0, 1, 2)),
                    "is_rework": rework,
                    "decided_at": (second_round[bi] if rework else first_round[bi]).decided_at,
                }
                n += 1

    copy_rows(PieceOutcome, outcome_rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


RUNS = 3


def release(period) -> None:
    """Put the computed period back to an empty draft, as the first run found it (benchmark
    only: this database holds no other period)."""
    from payouts.models import PayoutPeriod

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE payouts_payoutline, payouts_payoutpool, payouts_payoutclaim")
    PayoutPeriod.objects.filter(pk=period.pk).update(status=PayoutPeriod.Status.DRAFT)


def reference_seconds() -> tuple[float, tuple[int, int, int]]:
    from payouts.compute import COMPUTE_WORK_MEM, period_bounds
    from payouts.models import PayoutPeriod

    bounds = period_bounds(PayoutPeriod(starts_on=PERIOD_START, ends_on=PERIOD_END))
    best = float("inf")
    result = None
    for _ in range(RUNS):
        with transaction.atomic(), connection.cursor() as cursor:
            # the same memory the compute gives itself, so that neither spills to disk
            cursor.execute(f"SET LOCAL work_mem = '{COMPUTE_WORK_MEM}'")
            started = time.perf_counter()
            cursor.execute(REFERENCE_SQL, list(bounds))
            result = cursor.fetchone()
            best = min(best, time.perf_counter() - started)
    return best, tuple(int(v) for v in result)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if connection.vendor != "postgresql":
        print(
            "The payouts benchmark needs PostgreSQL: set DATABASE_URL=postgres://…/sc_payouts_bench"
        )
        return 2
    name = connection.settings_dict["NAME"]
    if "bench" not in name and not args.force:
        print(f"Refusing to wipe database {name!r}: its name lacks 'bench' (use --force).")
        return 2
    from accounts.models import User
    from payouts.models import PayoutLine
    from payouts.services import period_create
    from quality.models import PieceOutcome

    print(f"database {name}: migrating and wiping …", flush=True)
    call_command("migrate", verbosity=0)
    wipe()
    started = time.perf_counter()
    generate(args)
    print(
        f"generated {args.households:,} households in {args.workshops} workshops, "
        f"{args.orders} orders, {PieceOutcome.objects.count():,} outcome rows, "
        f"{args.pieces:,} accepted pieces in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    operator = User.objects.get(username="bench-operator")
    period = period_create(
        actor=operator, name="全国三月结算", starts_on=PERIOD_START, ends_on=PERIOD_END
    )
    rss_before = peak_rss_mb()

    from payouts.services import period_compute

    # Best of three, like the reference: between runs the draft is put back as it was
    # (not timed), so every run claims and writes the whole period afresh.
    compute = float("inf")
    for run in range(RUNS):
        if run:
            release(period)
        started = time.perf_counter()
        period = period_compute(period_id=period.pk, actor=operator)
        compute = min(compute, time.perf_counter() - started)
    rss = peak_rss_mb()

    reference, (ref_lines, ref_gross, ref_pieces) = reference_seconds()
    ratio = compute / reference if reference else float("inf")
    lines = PayoutLine.objects.filter(pool__period=period).count()
    agree = (
        ref_lines == lines
        and ref_gross == period.gross_fen
        and ref_pieces == period.pieces + period.rework_pieces
    )
    print(
        f"period: {lines:,} lines, {period.pieces + period.rework_pieces:,} pieces, "
        f"¥{period.gross_fen / 100:,.2f} owed = households ¥{period.households_fen / 100:,.2f} "
        f"+ leads ¥{period.lead_fen / 100:,.2f} + centers ¥{period.center_fen / 100:,.2f}"
    )
    print(
        f"reference GROUP BY: {ref_lines:,} lines, ¥{ref_gross / 100:,.2f}, totals agree: {agree}"
    )
    print(
        f"compute period      {compute:8.2f} s   (best of {RUNS}; target ≤ {TARGET_SECONDS:.0f} s)"
    )
    print(f"reference GROUP BY  {reference:8.2f} s   (best of {RUNS})")
    print(f"ratio               {ratio:8.2f}     (target ≤ {TARGET_RATIO:.0f})")
    print(f"peak memory (RSS)   {rss:8.0f} MB  (before compute {rss_before:.0f} MB; target ≤ 1024)")
    ok = agree and compute <= TARGET_SECONDS and ratio <= TARGET_RATIO and rss <= TARGET_RSS_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
