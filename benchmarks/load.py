"""Load as people use it: Locust users per role against gunicorn + PostgreSQL + Redis + Celery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_national_bench \\
    REDIS_URL=redis://127.0.0.1:6379/8 \\
        python -m benchmarks load [--users 30] [--duration 120] [--spawn-rate 5]
                                  [--workers 2] [--threads 8] [--out var/load]

Needs the national set in the database (``python -m benchmarks national``) and the ``load``
extra (``pip install -e .[load]``: Locust). The runner

1. writes the manifest the Locust users read (``<out>/manifest.json``): who signs in as each
   role and what each may see (a lead's batches, a checker's region's lots, a merchant's
   orders, a trainer's cohorts and trainees, statement links, payout periods);
2. starts gunicorn (``--workers`` × ``--threads``, gthread) with ``benchmarks.load_settings``
   (the project's settings plus a query counter per response) and a Celery worker on Redis;
3. runs ``benchmarks/locustfile.py`` headless for ``--duration`` seconds with ``--users``;
4. prints and writes (``<out>/report-<users>u.md`` and ``.json``) p50/p95/p99 per role, per
   page and per API call, requests/s, errors and the mean and largest query count per
   request, plus the machine's load average over the run (other work on the machine counts).

Writes happen (claims, scans, inspections, progress logs): run it on a benchmark database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manifest(seed: int = 1) -> dict:
    """Who may sign in, and what each can see (read from the national set)."""
    from django.db.models import Count

    from accounts.models import User
    from orders.models import Batch, Order
    from payouts.models import PayoutLine, PayoutPeriod, Statement
    from quality.models import Lot
    from trainees.models import Cohort, Module

    from .national import PASSWORD

    rng = random.Random(seed)
    leads = []
    busy = (
        Batch.objects.filter(status__in=["claimed", "in_production", "returned", "inspected"])
        .values("workshop__lead__username")
        .annotate(n=Count("id"))
        .order_by("-n")[:400]
    )
    for row in busy:
        username = row["workshop__lead__username"]
        batches = list(
            Batch.objects.filter(workshop__lead__username=username)
            .exclude(status="open")
            .order_by("-updated_at")
            .values_list("id", flat=True)[:12]
        )
        leads.append({"username": username, "batches": batches})
    open_batches = list(Batch.objects.filter(status="open").values_list("id", flat=True))
    rng.shuffle(open_batches)

    checkers = []
    for user in User.objects.filter(role="checker").select_related("organisation"):
        lots = list(
            Lot.objects.filter(
                kind="finished",
                workshop__organisation__service_center_id=user.organisation_id,
            )
            .order_by("-created_at")
            .values_list("code", flat=True)[:40]
        )
        to_inspect = list(
            Lot.objects.filter(
                kind="finished",
                verdict="pending",
                stage__in=["received", "shipped"],
                workshop__organisation__service_center_id=user.organisation_id,
            ).values_list("code", flat=True)[:40]
        )
        checkers.append({"username": user.username, "lots": lots, "to_inspect": to_inspect})

    merchants = [
        {
            "username": user.username,
            "orders": list(
                Order.objects.filter(merchant_id=user.organisation_id)
                .order_by("-published_at")
                .values_list("id", flat=True)[:20]
            ),
        }
        for user in User.objects.filter(role="merchant")
    ]
    from trainees.selectors import trainee_list

    trainers = []
    for user in User.objects.filter(role="trainer"):
        cohorts = list(
            Cohort.objects.filter(trainers=user)
            .order_by("-start_date")
            .values_list("id", flat=True)
        )
        first_module = {
            m.programme_id: m.pk for m in Module.objects.filter(position=1).order_by("programme_id")
        }
        trainees = [
            {"id": t.pk, "module": first_module[t.cohort.programme_id]}
            # what the trainer may see, by the app's own rule (a village teacher: its region)
            for t in trainee_list(viewer=user, status="in_training").order_by("pk")[:40]
        ]
        trainers.append({"username": user.username, "cohorts": cohorts[:20], "trainees": trainees})
    periods = [
        {"id": p.pk, "lines": PayoutLine.objects.filter(pool__period=p).count()}
        for p in PayoutPeriod.objects.filter(status__in=["approved", "paid"]).order_by("-starts_on")
    ]
    operators = [
        {"username": u.username, "periods": periods} for u in User.objects.filter(role="operator")
    ]
    tokens = list(Statement.objects.order_by("?").values_list("token", flat=True)[:5000])
    return {
        "password": PASSWORD,
        "leads": leads,
        "open_batches": open_batches[:2000],
        "checkers": checkers,
        "merchants": merchants,
        "trainers": [t for t in trainers if t["cohorts"]],
        "operators": operators,
        "statements": tokens,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def warm(port: int, requests: int) -> None:
    """Load every worker's code and connections before anything is timed."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    def one(path: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, ["/login/", "/healthz", "/api/v1/skills"] * requests))


def loadavg() -> float:
    return os.getloadavg()[0]


def read_stats(prefix: Path, queries_path: Path) -> tuple[list[dict], dict]:
    rows = []
    extra = json.loads(queries_path.read_text()) if queries_path.exists() else {}
    queries = extra.get("names", {})
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            name = row["Name"]
            if not int(row["Request Count"]):
                continue  # sign-ins: all before the measured window
            row = {k: ("0" if v in ("N/A", "") else v) for k, v in row.items()}
            q = queries.get(name, {})
            n = q.get("n") or 0
            rows.append(
                {
                    "name": name,
                    "type": row["Type"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                    "rps": float(row["Requests/s"]),
                    "queries": (q["queries"] / n) if n else None,
                    "max_queries": q.get("max_queries"),
                    "server_ms": (q["server_ms"] / n) if n else None,
                    "db_ms": (q["db_ms"] / n) if n else None,
                }
            )
    return rows, extra


def table(rows: list[dict]) -> str:
    out = [
        "| page or call | requests | fail | p50 ms | p95 ms | p99 ms | queries (mean / max) "
        "| server ms | of it DB ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        q = "–" if r["queries"] is None else f"{r['queries']:.1f} / {r['max_queries']}"
        server = "–" if r["server_ms"] is None else f"{r['server_ms']:.0f}"
        db = "–" if r["db_ms"] is None else f"{r['db_ms']:.0f}"
        out.append(
            f"| {r['name']} | {r['requests']} | {r['failures']} | {r['p50']:.0f} | {r['p95']:.0f} "
            f"| {r['p99']:.0f} | {q} | {server} | {db} |"
        )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--duration", type=int, default=120, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument(
        "--sign-in-allowance",
        type=int,
        default=300,
        help="at most this many seconds for the users to sign in (not measured): the window "
        "of --duration starts when the last one has, and the run ends with it",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--celery-concurrency", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "var" / "load"))
    args = parser.parse_args(argv)

    from django.db import connection

    if connection.vendor != "postgresql":
        print("needs PostgreSQL with the national set: set DATABASE_URL", file=sys.stderr)
        return 2
    if not os.environ.get("REDIS_URL"):
        print("needs Redis for the cache and the Celery worker: set REDIS_URL", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    data = manifest()
    (out / "manifest.json").write_text(json.dumps(data, ensure_ascii=False))
    print(
        f"manifest: {len(data['leads'])} leads, {len(data['checkers'])} checkers, "
        f"{len(data['merchants'])} merchants, {len(data['trainers'])} trainers, "
        f"{len(data['operators'])} operators, {len(data['statements'])} statement links "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    connection.close()

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "BENCH_QUERY_COUNT": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", uuid.uuid4().hex * 2),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SHOUCHUANG_STATIC_MANIFEST": "0",
        "AXES_FAILURE_LIMIT": "1000",
        "LOG_LEVEL": "WARNING",
        "NATIONAL_MANIFEST": str(out / "manifest.json"),
        "QUERY_STATS": str(out / f"queries-{args.users}u.json"),
        "LOAD_WINDOW_S": str(args.duration),
    }
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--worker-class", "gthread", "--threads", str(args.threads),
            "--log-level", "warning", "--timeout", "120",
            # a proxy keeps the phones' connections open between taps; gunicorn's default (2 s)
            # closes them and a POST sent on a closed connection is not retried (status 0)
            "--keep-alive", "75",
        ],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    worker = subprocess.Popen(
        [
            str(bin_dir / "celery"), "-A", "config", "worker", "--loglevel=WARNING",
            f"--concurrency={args.celery_concurrency}", "-n", f"load-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    prefix = out / f"locust-{args.users}u"
    try:
        wait_for(port)
        warm(port, args.workers * args.threads)
        load_before = loadavg()
        began = time.perf_counter()
        samples = []
        locust = subprocess.Popen(
            [
                str(bin_dir / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
                # the window is measured from the last sign-in: give the sign-ins their time
                "-t", f"{args.duration + args.sign_in_allowance}s",
                "--host", f"http://127.0.0.1:{port}",
                "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
                "--stop-timeout", "10",
            ],
            cwd=ROOT, env=env,
        )  # fmt: skip
        while locust.poll() is None:
            samples.append(loadavg())
            time.sleep(5)
        wall = time.perf_counter() - began
        # gunicorn or the worker gone before the end: the run measured a dying server
        processes = (("gunicorn", server), ("celery worker", worker))
        died = [name for name, process in processes if process.poll() is not None]
    finally:
        for process in (server, worker):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    if not Path(f"{prefix}_stats.csv").exists():
        print(f"INCOMPLETE RUN: Locust wrote no statistics (exit {locust.returncode})")
        return 1
    rows, extra = read_stats(prefix, out / f"queries-{args.users}u.json")
    roles = extra.get("roles", {})
    window = extra.get("window_s") or args.duration
    total = next((r for r in rows if r["name"] == "Aggregated"), None)
    rows = sorted((r for r in rows if r["name"] != "Aggregated"), key=lambda r: r["name"])
    conditions = (
        f"{args.users} users (spawn {args.spawn_rate}/s), {args.duration} s, gunicorn "
        f"{args.workers}×{args.threads} gthread, Celery worker ×{args.celery_concurrency}; "
        f"{os.cpu_count()} CPUs; load average before {load_before:.1f}, during "
        f"{min(samples, default=0):.1f}–{max(samples, default=0):.1f} "
        f"(mean {sum(samples) / max(1, len(samples)):.1f}); measured window {window:.0f} s "
        f"after every user signed in (wall {wall:.0f} s)"
    )
    report = [f"### {args.users} users", "", conditions, ""]
    if total:
        report.append(
            f"Overall: {total['requests']} requests in {window:.0f} s = "
            f"{total['requests'] / window:.1f} req/s, {total['failures']} failures, "
            f"p50 {total['p50']:.0f} ms, p95 {total['p95']:.0f} ms, p99 {total['p99']:.0f} ms."
        )
        report.append("")
    if roles:
        report += ["| role | requests | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
        for role, r in sorted(roles.items()):
            report.append(
                f"| {role} | {r['n']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} |"
            )
        report.append("")
    report.append(table(rows))
    problems = half_run(args, extra, rows, total, window, died)
    if problems:
        report += ["", "**INCOMPLETE RUN** (not a result): " + "; ".join(problems)]
    text = "\n".join(report)
    print(text)
    (out / f"report-{args.users}u.md").write_text(text + "\n")
    (out / f"report-{args.users}u.json").write_text(
        json.dumps(
            {
                "conditions": conditions,
                "total": total,
                "roles": roles,
                "rows": rows,
                "incomplete": problems,
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    if problems:
        print("INCOMPLETE RUN: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


ROLES = ("lead", "checker", "household", "merchant", "trainer", "operator")


def half_run(args, extra: dict, rows: list[dict], total, window: float, died: list) -> list[str]:
    """Why this run is not a result, if it is not: a report of half a run must not pass for one."""
    problems = []
    if not extra:
        problems.append("Locust wrote no query statistics (it did not end normally)")
    elif not extra.get("window_started"):
        problems.append(
            f"only {extra.get('signed_in', 0)} of {args.users} users signed in: the measured "
            "window never started (raise --sign-in-allowance)"
        )
    if window < 0.9 * args.duration:
        problems.append(f"measured window {window:.0f} s, asked for {args.duration} s")
    if not total or not total["requests"]:
        problems.append("no request measured")
    seen = {r["name"].split(":", 1)[0] for r in rows}
    missing = [role for role in ROLES if role not in seen]
    if missing and args.users >= 20:  # fewer users: Locust's weights may leave a role out
        problems.append("no request from " + ", ".join(missing))
    if died:
        problems.append(" and ".join(died) + " died during the run")
    return problems


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
