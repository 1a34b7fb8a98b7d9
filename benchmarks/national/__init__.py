# ruff: noqa: E501 - the invariants are SQL, one statement to a string, and rows are dicts
"""A national year of Shouchuang in one database, made by one command, checked at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_national_bench \\
        python -m benchmarks national [--scale 1.0] [--seed 2026] [--force]

At ``--scale 1.0`` (the programme's figures, DOMAIN.md and the seed text): 32 provinces with a
service centre each, 649 counties, ~2,000 workshops whose sizes are skewed (most a few dozen
households, the biggest 300+), 61,000 households, ~700 orders of a few hundred to 2.8 million
pieces published through a year with seasons, their batches claimed, produced, returned,
packed into lots, scanned at every hand-over, inspected (ISO 2859-1 plans, a rejection rate
per workshop, rejected lots sorted, reworked or scrapped), piece outcomes, ~150,000 trainees
in cohorts with their progress logs and assessments, and monthly payout periods computed,
approved and paid by the real payout services (``period_compute``, ``period_approve``,
``period_mark_paid``: claims, pools, lines, ledger and statements are theirs, not ours).

Everything before the payouts is written directly, with explicit ids: PostgreSQL ``COPY``
(psycopg) in one transaction, or ``bulk_create`` on SQLite (small scales, the test suite). The
history is made by a timeline per batch (claim, start, return, inspect, close) cut at "now", so
a year-old order is complete and last week's still has open batches. The command ends by
checking every invariant of DOMAIN.md that the data can break (``check``) and prints the sizes
and timings. PostgreSQL databases are WIPED first: the name must contain "national" or
"bench" (or pass ``--force``).

Every generated person signs in with the password ``PASSWORD`` (benchmark data only).

The build is split by what it makes: ``_base`` (the programme's figures, the row writer, the
world), ``people``, ``production``, ``training``, ``paying`` and ``invariants``.
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import time
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from ._base import PASSWORD, SEEDS, WIPED_ACCOUNTS, WIPED_APPS, Sink, Sizes, World
from .invariants import check, figures, sizes_report
from .paying import make_payouts
from .people import make_people, make_workshops
from .production import make_orders
from .training import make_trainees


def build(*, scale: float = 1.0, seed: int = 2026, now: datetime | None = None, echo=print) -> dict:
    """Write the national set into the (empty) database; returns phase timings in seconds."""
    sizes = Sizes.at(scale)
    now = now or timezone.now()
    world = World(
        now=now,
        start=now - timedelta(days=365),
        rng=random.Random(seed),
        sink=Sink(),
        sizes=sizes,
        password=make_password(PASSWORD),
    )
    timings: dict[str, float] = {}

    def phase(name, fn):
        began = time.perf_counter()
        fn(world)
        world.sink.flush()
        timings[name] = time.perf_counter() - began
        echo(f"  {name:<24} {timings[name]:7.1f} s", flush=True)

    fast_keys = world.sink.postgres and superuser()
    with transaction.atomic():
        if fast_keys:
            # Per-row foreign-key triggers, deferred to COMMIT, cost minutes for millions of
            # rows: turned off while this transaction writes, then every foreign key of every
            # table written is checked in one anti-join each (``foreign_keys_dangling``).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        phase("organisations, people", make_people)
        phase("workshops, households", make_workshops)
        phase("orders and their year", make_orders)
        phase("trainees", make_trainees)
        world.sink.reset_sequences()
        if fast_keys:
            began = time.perf_counter()
            dangling = foreign_keys_dangling(world.sink.models)
            if dangling:
                raise RuntimeError(f"rows point at nothing: {dangling}")  # rolls back
            timings["foreign keys checked"] = time.perf_counter() - began
            echo(f"  {'foreign keys checked':<24} {timings['foreign keys checked']:7.1f} s")
    if world.sink.postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    began = time.perf_counter()
    make_payouts(world, echo)
    timings["payout periods (services)"] = time.perf_counter() - began
    echo(f"  {'payout periods (services)':<24} {timings['payout periods (services)']:7.1f} s")
    return timings


def superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def foreign_keys_dangling(models) -> list[str]:
    """Every foreign key of ``models`` whose value names no row: one anti-join per key."""
    dangling = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in sorted(models, key=lambda m: m._meta.db_table):
            for f in model._meta.concrete_fields:
                if not f.is_relation or not f.db_constraint:
                    continue
                target = f.related_model._meta
                column = f.target_field.column
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} c "
                    f"WHERE c.{quote(f.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{quote(target.db_table)} p WHERE p.{quote(column)} = c.{quote(f.column)})"
                )
                count = cursor.fetchone()[0]
                if count:
                    dangling.append(f"{model._meta.db_table}.{f.column}: {count}")
    return dangling


def wipe() -> None:
    tables = [
        m._meta.db_table
        for label in WIPED_APPS
        for m in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables + WIPED_ACCOUNTS)} RESTART IDENTITY CASCADE")
    for app_label, name in SEEDS:  # what the migrations seeded, as a fresh database has it
        importlib.import_module(f"{app_label}.migrations.{name}").seed(apps, None)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks national")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--force",
        action="store_true",
        help="wipe a database whose name lacks 'national' or 'bench'",
    )
    parser.add_argument(
        "--check-only", action="store_true", help="only check the invariants of the data there"
    )
    args = parser.parse_args(argv)
    name = str(connection.settings_dict["NAME"])
    began = time.perf_counter()
    if not args.check_only:
        if connection.vendor == "postgresql":
            if not ("national" in name or "bench" in name or args.force):
                print(
                    f"Refusing to wipe database {name!r}: its name lacks 'national' or 'bench' (use --force)."
                )
                return 2
            call_command("migrate", verbosity=0)
            print(f"database {name}: wiping …", flush=True)
            wipe()
        else:
            call_command("migrate", verbosity=0)
            if apps.get_model("orders", "Order").objects.exists():
                print(
                    "SQLite database already holds orders: use an empty one (DATABASE_URL=sqlite:///…)."
                )
                return 2
        print(f"building the national set at scale {args.scale} …", flush=True)
        build(scale=args.scale, seed=args.seed)
        print(f"built in {time.perf_counter() - began:.1f} s", flush=True)
    sizes = sizes_report()
    for table, count in sizes.items():
        print(f"  {table:<24} {count:>12,}")
    for label, value in figures().items():
        print(f"  {label:<30} {value:>16,}")
    print("checking the invariants …", flush=True)
    failures = check()
    print(f"total {time.perf_counter() - began:.1f} s")
    if failures:
        print("FAIL")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print("PASS: every invariant holds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
