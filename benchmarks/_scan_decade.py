"""A decade of custody scans, measured: ``python -m benchmarks scans --decade``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_scan_decade \\
        python -m benchmarks scans --decade [--months 120] [--per-month 84000] [--queries 300]

Fills a scratch PostgreSQL database (migrated here; its scans are replaced) with synthetic
scan events spread over ``--months`` months at ``--per-month`` a month (lots of five scans
each, a few days apart, one ``INSERT … SELECT`` from ``generate_series``), in the partitioned
``quality_scanevent`` (+ ``quality_scankey``) and in an unpartitioned copy of the same rows
with the schema before migration 0008 (primary key id, unique key with its pattern index,
(lot, device_time), actor). Prints:

- table + index bytes per month partition (first, median, last), the default partition and
  the totals; bytes a row, each side; the same extrapolated linearly to ×100 (29.2 M scans a
  year; 292 M in a decade);
- a lot's chain (``lot_scans``' query) pruned by ``recorded_at >= lot.created_at`` vs. the
  same without the bound vs. the unpartitioned copy; one new scan's insert (key claimed in
  ``ScanKey`` + event, one statement) vs. the unpartitioned ``INSERT … ON CONFLICT (key)``:
  means of interleaved runs in the same session, and their ratios;
- the ``EXPLAIN`` of the pruned chain read (the partitions it opens).
"""

from __future__ import annotations

import argparse
import random
import time
import uuid

from django.db import connection

PLAIN = "bench_scanevent_plain"
YEAR_AT_X100 = 292_205 * 100  # docs/scaling.md: scans a year at ×1, times 100
STEPS = [  # (step, action, stage before, stage after): a lot's chain, two days apart
    (0, "packed", "packed", "packed"),
    (1, "shipped", "packed", "shipped"),
    (2, "received", "shipped", "received"),
    (3, "inspected", "received", "inspected"),
    (4, "delivered", "inspected", "delivered"),
]


def _one(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _all(sql: str, params=None) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _run(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def fill(*, months: int, per_month: int) -> tuple[int, float]:
    """Lots and their scans over ``months`` months before this one; (rows, seconds)."""
    from accounts.models import User
    from benchmarks.scans import make_fixtures
    from quality.models import Lot
    from quality.partitions import add_months, month_of, scan_partitions_ensure

    _run("TRUNCATE quality_scanevent, quality_scankey, quality_scanexception, quality_lotdelivery")
    _run(f"DROP TABLE IF EXISTS {PLAIN}")
    _run("DELETE FROM quality_lot WHERE code LIKE 'D%%' AND length(code) = 13")  # a run before
    make_fixtures(1)
    template = Lot.objects.order_by("-pk").first()
    actor = User.objects.filter(role="checker").order_by("-pk").first()
    start = add_months(month_of(template.created_at), -months)
    scan_partitions_ensure(since=start)
    lots = months * per_month // len(STEPS)
    span = (month_of(template.created_at) - start).total_seconds()
    began = time.perf_counter()
    _run("SET session_replication_role = replica")  # foreign-key triggers off while filling
    first = _one("SELECT coalesce(max(id), 0) + 1 FROM quality_lot")[0]
    _run(
        "INSERT INTO quality_lot (id, code, kind, quantity, stage, verdict, round, "
        "round_started_at, created_at, stage_changed_at, batch_id, created_by_id, workshop_id) "
        "SELECT %(first)s + g, 'D' || lpad(g::text, 12, '0'), kind, quantity, 'delivered', "
        "verdict, 1, at, at, at, batch_id, created_by_id, workshop_id "
        "FROM quality_lot t, generate_series(0, %(lots)s - 1) g, "
        "LATERAL (SELECT %(start)s::timestamptz + g * (%(span)s / %(lots)s) * interval '1 second' "
        "AS at) a WHERE t.id = %(template)s",
        {"first": first, "lots": lots, "start": start, "span": span, "template": template.pk},
    )
    _run(
        "SELECT setval(pg_get_serial_sequence('quality_lot', 'id'), "
        "(SELECT max(id) FROM quality_lot))"
    )
    steps = ", ".join(f"({s}, '{a}', '{b}', '{c}')" for s, a, b, c in STEPS)
    _run(
        "INSERT INTO quality_scanevent (key, body_hash, lot_id, action, device_time, recorded_at, "
        "actor_id, applied, flag, stage_before, stage_after, note) "
        "SELECT md5(l.id || '-' || s.step)::uuid::text, "
        "encode(sha256((l.id || '-' || s.step)::bytea), 'hex'), l.id, s.action, "
        "l.created_at + s.step * interval '2 days', "
        "l.created_at + s.step * interval '2 days' + interval '37 seconds', "
        "%(actor)s, true, '', s.before, s.after, '' "
        f"FROM quality_lot l CROSS JOIN (VALUES {steps}) s (step, action, before, after) "
        "WHERE l.id >= %(first)s ORDER BY l.id, s.step",
        {"actor": actor.pk, "first": first},
    )
    _run(
        "INSERT INTO quality_scankey (key, body_hash, event_id, recorded_at) "
        "SELECT key, body_hash, id, recorded_at FROM quality_scanevent"
    )
    # The same rows, unpartitioned, as the table was before migration 0008.
    _run(f"CREATE TABLE {PLAIN} (LIKE quality_scanevent INCLUDING DEFAULTS)")
    _run(f"INSERT INTO {PLAIN} SELECT * FROM quality_scanevent ORDER BY id")
    _run(f"ALTER TABLE {PLAIN} ADD PRIMARY KEY (id)")
    _run(f"ALTER TABLE {PLAIN} ADD CONSTRAINT {PLAIN}_key UNIQUE (key)")
    _run(f"CREATE INDEX {PLAIN}_key_like ON {PLAIN} (key varchar_pattern_ops)")
    _run(f"CREATE INDEX {PLAIN}_lot ON {PLAIN} (lot_id, device_time)")
    _run(f"CREATE INDEX {PLAIN}_actor ON {PLAIN} (actor_id)")
    for column, table in (("lot_id", "quality_lot"), ("actor_id", "accounts_user")):
        _run(
            f"ALTER TABLE {PLAIN} ADD FOREIGN KEY ({column}) REFERENCES {table} (id) "
            "DEFERRABLE INITIALLY DEFERRED NOT VALID"
        )
    _run("RESET session_replication_role")
    _run(f"VACUUM ANALYZE quality_scanevent, quality_scankey, {PLAIN}")
    rows = _one("SELECT count(*) FROM quality_scanevent")[0]
    return rows, time.perf_counter() - began


def sizes() -> dict:
    """Bytes (table, indexes) of each partition, of ScanKey and of the plain copy."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'quality_scanevent'::regclass ORDER BY c.relname"
        )
        partitions = cursor.fetchall()
        cursor.execute(
            "SELECT pg_table_size('quality_scankey'), pg_indexes_size('quality_scankey'), "
            f"pg_table_size('{PLAIN}'), pg_indexes_size('{PLAIN}')"
        )
        key_table, key_index, plain_table, plain_index = cursor.fetchone()
    return {
        "partitions": partitions,
        "scankey": (key_table, key_index),
        "plain": (plain_table, plain_index),
    }


def _timed(sql: str, params) -> float:
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()
    return time.perf_counter() - began


def chain_reads(queries: int, *, months: int, recent: bool, seed: int = 5) -> dict[str, float]:
    """Mean seconds of a lot's chain: pruned, unbounded, unpartitioned (interleaved)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, created_at FROM quality_lot WHERE code LIKE 'D%%' ORDER BY id DESC LIMIT 1"
        )
        top, _at = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM quality_lot WHERE code LIKE 'D%%'")
        (bottom,) = cursor.fetchone()
    rng = random.Random(seed)
    chain = (
        "SELECT e.*, l.code FROM {table} e JOIN quality_lot l ON l.id = e.lot_id "
        "WHERE e.lot_id = %s {bound} ORDER BY e.device_time, e.id"
    )
    variants = {
        "pruned": chain.format(table="quality_scanevent", bound="AND e.recorded_at >= %s"),
        "unbounded": chain.format(table="quality_scanevent", bound=""),
        "plain": chain.format(table=PLAIN, bound=""),
    }
    spent = dict.fromkeys(variants, 0.0)
    if recent:  # lots of the last 60 days (those being scanned): the pruned read's common case
        bottom = top - (top - bottom) * 60 // (months * 30)
    lots = [rng.randint(bottom, top) for _ in range(queries)]
    created = dict(_all("SELECT id, created_at FROM quality_lot WHERE id = ANY(%s)", [lots]))
    for lot in lots:
        order = list(variants)
        rng.shuffle(order)
        for name in order:
            params = [lot, created[lot]] if name == "pruned" else [lot]
            spent[name] += _timed(variants[name], params)
    plan = _all("EXPLAIN " + variants["pruned"], [lots[0], created[lots[0]]])
    explain = "\n".join(row[0] for row in plan)
    return {name: total / queries for name, total in spent.items()} | {"explain": explain}


def single_inserts(count: int, actor_id: int, lot_id: int) -> dict[str, float]:
    """Mean seconds of one new scan's insert, each its own transaction (interleaved)."""
    from django.utils import timezone

    partitioned = (
        "WITH keyed AS (INSERT INTO quality_scankey (key, body_hash, event_id, recorded_at) "
        "SELECT %(key)s, %(hash)s, nextval('quality_scanevent_id_seq'), %(now)s "
        "ON CONFLICT (key) DO NOTHING RETURNING event_id) "
        "INSERT INTO quality_scanevent (id, key, body_hash, lot_id, action, device_time, "
        "recorded_at, actor_id, applied, flag, stage_before, stage_after, note) "
        "SELECT event_id, %(key)s, %(hash)s, %(lot)s, 'shipped', %(now)s, %(now)s, %(actor)s, "
        "true, '', 'packed', 'shipped', '' FROM keyed RETURNING id"
    )
    plain = (
        f"INSERT INTO {PLAIN} (key, body_hash, lot_id, action, device_time, recorded_at, "
        "actor_id, applied, flag, stage_before, stage_after, note) "
        "VALUES (%(key)s, %(hash)s, %(lot)s, 'shipped', %(now)s, %(now)s, %(actor)s, true, '', "
        "'packed', 'shipped', '') ON CONFLICT (key) DO NOTHING RETURNING id"
    )
    spent = {"partitioned": 0.0, "plain": 0.0}
    for i in range(count):
        params = {
            "key": str(uuid.uuid4()),
            "hash": uuid.uuid4().hex * 2,
            "now": timezone.now(),
            "actor": actor_id,
            "lot": lot_id,
        }
        for name, sql in sorted(
            [("partitioned", partitioned), ("plain", plain)], key=lambda _: i % 2
        ):
            spent[name] += _timed(sql, params)
    return {name: total / count for name, total in spent.items()}


def _mb(value: float) -> str:
    return f"{value / 2**20:10.1f} MB"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks scans --decade")
    parser.add_argument("--decade", action="store_true")
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--per-month", type=int, default=84_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--inserts", type=int, default=1000)
    args = parser.parse_args(argv)

    from django.core.management import call_command

    from quality.partitions import is_partitioned

    call_command("migrate", verbosity=0)
    if not is_partitioned():
        print("quality_scanevent is not partitioned (needs PostgreSQL)")
        return 2
    rows, seconds = fill(months=args.months, per_month=args.per_month)
    print(f"filled {rows:,} scans over {args.months} months in {seconds:.0f} s")
    measured = sizes()
    parts = measured["partitions"]
    months = [p for p in parts if not p[0].endswith("_default")]
    default = [p for p in parts if p[0].endswith("_default")]
    print(f"\n{'partition':<28}{'table':>14}{'indexes':>14}")
    by_size = sorted(months, key=lambda p: p[1] + p[2])
    for label, (name, table, index) in (
        ("first", months[0]),
        ("median", by_size[len(by_size) // 2]),
        ("largest", by_size[-1]),
        ("last", months[-1]),
        *(("default", d) for d in default),
    ):
        print(f"{label + ' ' + name[len('quality_scanevent_') :]:<28}{_mb(table)}{_mb(index)}")
    events_table = sum(p[1] for p in parts)
    events_index = sum(p[2] for p in parts)
    key_table, key_index = measured["scankey"]
    plain_table, plain_index = measured["plain"]
    partitioned_total = events_table + events_index + key_table + key_index
    plain_total = plain_table + plain_index
    print(
        f"{'events, ' + str(len(parts)) + ' partitions':<28}{_mb(events_table)}{_mb(events_index)}"
    )
    print(f"{'quality_scankey':<28}{_mb(key_table)}{_mb(key_index)}")
    print(f"{'unpartitioned copy':<28}{_mb(plain_table)}{_mb(plain_index)}")
    per_row, plain_row = partitioned_total / rows, plain_total / rows
    print(f"\nbytes a scan: partitioned + keys {per_row:6.0f}   unpartitioned {plain_row:6.0f}")
    decade = YEAR_AT_X100 * 10
    print(
        f"×100 ({YEAR_AT_X100 / 1e6:.1f} M a year), linear: a month's partition "
        f"{(events_table + events_index) / rows * YEAR_AT_X100 / 12 / 2**30:.2f} GB; a decade "
        f"{per_row * decade / 2**30:.0f} GB (of which keys "
        f"{(key_table + key_index) / rows * decade / 2**30:.0f} GB)"
        f" vs. unpartitioned {plain_row * decade / 2**30:.0f} GB, its indexes "
        f"{plain_index / rows * decade / 2**30:.0f} GB"
    )
    for recent in (True, False):
        reads = chain_reads(args.queries, months=args.months, recent=recent)
        which = "lots of the last 60 days" if recent else "lots of any month"
        print(f"\nlot chain, {which} (mean of {args.queries}, interleaved)")
        for name in ("pruned", "unbounded", "plain"):
            ratio = reads[name] / reads["plain"]
            print(f"  {name:<12}{reads[name] * 1000:8.2f} ms   / plain {ratio:6.2f}")
        if recent:
            explain = reads["explain"]
    from accounts.models import User
    from quality.models import Lot

    lot = Lot.objects.order_by("-pk").values_list("pk", flat=True).first()
    actor = User.objects.filter(role="checker").order_by("-pk").values_list("pk", flat=True).first()
    inserts = single_inserts(args.inserts, actor, lot)
    print(f"single scan insert (mean of {args.inserts}, interleaved, autocommit)")
    for name in ("partitioned", "plain"):
        print(
            f"  {name:<12}{inserts[name] * 1000:8.3f} ms   / plain "
            f"{inserts[name] / inserts['plain']:6.2f}"
        )
    print("\nEXPLAIN (pruned chain, a lot of the last 60 days):\n" + explain)
    return 0
