"""The operator's impact dashboard ``/ops/`` in-process, on a national data set (read only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_national_bench \\
        python -m benchmarks national --scale 0.1      # first, once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_national_bench \\
        python -m benchmarks impact [--runs 7]

Renders ``/ops/`` as the first operator through Django's test client (no HTTP server, no
other load) ``--runs`` times after one warm-up and prints the median and best wall time, the
queries per view and their time. Side by side in the same run, the payout figures both ways:
the from-scratch count over every locked statement (``impact_recount``: what the dashboard ran
per view before) against the maintained aggregates (``payouts.reporting.payout_impact``), and
checks they agree.
"""

import argparse
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User


def _timed(fn, runs: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _line(label: str, times: list[float]) -> str:
    return f"  {label:<44} median {statistics.median(times):8.1f} ms   best {min(times):8.1f} ms"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks impact")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    operator = User.objects.filter(role=User.Role.OPERATOR, is_active=True).order_by("pk").first()
    if operator is None:
        print("no operator: build a data set first (python -m benchmarks national)")
        return 2
    client = Client()
    client.force_login(operator)

    def view():
        response = client.get("/ops/")
        assert response.status_code == 200, response.status_code

    print(f"database {connection.settings_dict['NAME']} ({connection.vendor})")
    with CaptureQueriesContext(connection) as queries:
        view()
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(f"  /ops/: {len(queries.captured_queries)} queries, {sql_ms:.1f} ms of SQL (one view)")
    print(_line("GET /ops/ (whole view, in-process)", _timed(view, args.runs)))

    try:
        from payouts.reporting import impact_recount, payout_impact
    except ImportError:  # before the aggregates existed
        return 0
    print(_line("payout figures counted from scratch", _timed(impact_recount, args.runs)))
    print(
        _line(
            "payout figures from the aggregates",
            _timed(lambda: payout_impact(viewer=operator), args.runs),
        )
    )
    households, rows = impact_recount()
    kept = payout_impact(viewer=operator)
    recounted = [(r.month, r.province, r.households, r.total_fen) for r in rows]
    stored = [(r.month, r.province, r.households, r.total_fen) for r in kept.by_region_month]
    if (households, recounted) != (kept.households_earning, stored):
        print("FAIL: the aggregates differ from the recount")
        return 1
    print(f"  agree: {households:,} households earning, {len(rows)} month × province rows")
    return 0
