"""Custody scans through the real HTTP stack: gunicorn + PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_quality_bench \\
        python -m benchmarks scans [--requests 3000] [--clients 8] [--bulk 10000] [--workers 2]

1. Single scans: ``POST /api/v1/scans`` (bearer token, a new key each, real lots moving through
   their stages) against two references served by the same gunicorn in the same run:
   - a bare ninja endpoint (``GET /bench/ping``, no auth, no database);
   - the scan's fair floor (``POST /bench/floor``): the same bearer authentication, the same
     body parsed by the same schema (``ScanIn``) and one ``INSERT … ON CONFLICT DO NOTHING`` of
     its key into a table of its own (``bench_scan_floor``): the least a recorded scan costs.
   Prints the three rates and both ratios (scan/bare; scan/floor, target ≥ 0.8).
2. Bulk ingest: 10,000 scans as ten ``POST /api/v1/scans/bulk`` bodies of 1,000, sent by two
   clients at once (a phone fleet reconnecting). Prints scans/s (target ≥ 10,000).

``--decade`` measures instead what ten years of scans cost, partitioned by month or not
(``benchmarks/_scan_decade.py``).

The bare endpoint exists only in this module's URLconf (gunicorn serves
``benchmarks.scans:application``, which mounts it in front of the project's URLs); the project's
own URLs are untouched. The database is migrated and the fixtures are made fresh each run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()  # gunicorn imports this module before Django is configured

from django.db import connection  # noqa: E402
from django.urls import include, path  # noqa: E402
from ninja import NinjaAPI  # noqa: E402

from integrations.auth import api_auth  # noqa: E402
from quality.schemas import ScanIn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# --- What gunicorn serves: the project plus one bare endpoint --------------------------------

bare_api = NinjaAPI(title="bench", urls_namespace="bench", auth=None, docs_url=None)


@bare_api.get("/ping")
def ping(request):
    return {"ok": True}


FLOOR_TABLE = "bench_scan_floor"


@bare_api.post("/floor", auth=api_auth, response={201: dict})
def floor(request, payload: ScanIn):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (key, actor_id, at) VALUES (%s, %s, now()) "
            "ON CONFLICT (key) DO NOTHING",
            [payload.key, request.user.pk],
        )
    return 201, {"key": payload.key}


urlpatterns = [path("bench/", bare_api.urls), path("", include("config.urls"))]


def _wsgi():
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    settings.ROOT_URLCONF = "benchmarks.scans"  # read per request by Django's handler
    return app


application = _wsgi()

# --- Fixtures ------------------------------------------------------------------------------


def make_fixtures(lots: int) -> tuple[str, list[str]]:
    """A workshop with a finished batch of ``lots`` lots; returns (checker token, lot codes)."""
    from decimal import Decimal

    from accounts.models import Organisation, User
    from accounts.services import api_token_issue
    from orders.models import Batch, Order, Ticket
    from quality import codes
    from quality.models import Lot, LotShare
    from workshops.models import Household, Workshop

    tag = uuid.uuid4().hex[:8]
    center = Organisation.objects.create(kind="service_center", name=f"bench-center-{tag}")
    org = Organisation.objects.create(
        kind="workshop", name=f"bench-ws-{tag}", service_center=center
    )
    merchant_org = Organisation.objects.create(kind="merchant", name=f"bench-m-{tag}")
    lead = User.objects.create(username=f"bench-lead-{tag}", role="lead", organisation=org)
    checker = User.objects.create(
        username=f"bench-checker-{tag}", role="checker", organisation=center
    )
    merchant = User.objects.create(
        username=f"bench-merchant-{tag}", role="merchant", organisation=merchant_org
    )
    workshop = Workshop.objects.create(organisation=org, lead=lead)
    household = Household.objects.create(workshop=workshop, name="bench")
    order = Order.objects.create(
        merchant=merchant_org,
        created_by=merchant,
        product_name="bench",
        quantity=lots * 10,
        fee_per_piece=Decimal("0.5"),
        standard_minutes=Decimal("5"),
        deadline=datetime.now(UTC).date() + timedelta(days=30),
        batch_size=lots * 10,
        status="published",
    )
    batch = Batch.objects.create(
        order=order, number=1, quantity=lots * 10, status="in_production", workshop=workshop
    )
    Ticket.objects.create(
        batch=batch, household=household, issued=lots * 10, returned=lots * 10, issued_by=lead
    )
    made = Lot.objects.bulk_create(
        Lot(
            code=codes.new_code(),
            kind="finished",
            batch=batch,
            workshop=workshop,
            quantity=10,
            created_by=lead,
        )
        for _ in range(lots)
    )
    LotShare.objects.bulk_create(
        LotShare(lot=lot, household=household, quantity=10) for lot in made
    )
    _, token = api_token_issue(user=checker)
    return token, [lot.code for lot in made]


# --- Client --------------------------------------------------------------------------------


class Client(threading.local):
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, url: str, body: bytes | None, headers: dict) -> int:
        for attempt in range(2):
            try:
                self.conn.request(method, url, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.conn.host, self.conn.port, timeout=60)
                if attempt:
                    raise
        return 0  # pragma: no cover


def run_load(port: int, clients: int, requests: list[tuple[str, str, bytes | None, dict]]):
    local = threading.local()
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def one(req):
        if not hasattr(local, "client"):
            local.client = Client(port)
        status = local.client.request(*req)
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, requests))
    return time.perf_counter() - start, statuses


def scan_body(code: str, action: str, when: datetime) -> dict:
    return {
        "key": str(uuid.uuid4()),
        "code": code,
        "action": action,
        "device_time": when.isoformat(),
    }


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str]) -> int:
    if "--decade" in argv:  # a decade of scans, partitioned vs. not (benchmarks/_scan_decade.py)
        from benchmarks._scan_decade import main as decade

        return decade(argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks scans")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)

    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    from django.conf import settings

    call_command("migrate", verbosity=0)
    # The server runs with DEBUG off, which refuses the development key: both sides get one
    # real key, so that the token made here (signed with it) is valid there.
    secret = os.environ.get("DJANGO_SECRET_KEY") or uuid.uuid4().hex * 2
    settings.SECRET_KEY = secret
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
            "(key text PRIMARY KEY, actor_id bigint NOT NULL, at timestamptz NOT NULL)"
        )
        cursor.execute(f"TRUNCATE {FLOOR_TABLE}")
    actions = ["shipped", "received", "inspected", "delivered"]
    n_single_lots = -(-args.requests // len(actions))
    n_bulk_lots = -(-args.bulk // len(actions))
    token, codes_ = make_fixtures(n_single_lots + n_bulk_lots)
    single_codes, bulk_codes = codes_[:n_single_lots], codes_[n_single_lots:]
    connection.close()

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "SHOUCHUANG_ZEAL": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "benchmarks.scans:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--worker-class", "gthread", "--threads", str(args.threads), "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        wait_for(port)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        now = datetime.now(UTC)
        # Warm both paths (imports, connections) before timing.
        warm = [("GET", "/bench/ping", None, {})] * 50
        run_load(port, args.clients, warm)
        run_load(
            port,
            args.clients,
            [("GET", "/api/v1/quality/sampling-plan?lot_size=10", None, auth)] * 20,
        )

        ping_time, ping_status = run_load(
            port, args.clients, [("GET", "/bench/ping", None, {})] * args.requests
        )
        singles = []
        for step, action in enumerate(actions):
            when = now - timedelta(hours=4 - step)
            for code in single_codes:
                singles.append(
                    (
                        "POST",
                        "/api/v1/scans",
                        json.dumps(scan_body(code, action, when)).encode(),
                        auth,
                    )
                )
        singles = singles[: args.requests]
        floors = [
            ("POST", "/bench/floor", json.dumps(scan_body(code, "shipped", now)).encode(), auth)
            for code in (single_codes * len(actions))[: args.requests]
        ]
        run_load(port, args.clients, floors[:20])  # the floor's path warmed too
        floor_time, floor_status = run_load(port, args.clients, floors)
        scan_time, scan_status = run_load(port, args.clients, singles)
        ping_rate = args.requests / ping_time
        floor_rate = len(floors) / floor_time
        scan_rate = len(singles) / scan_time
        print(f"bare ninja endpoint   {ping_rate:8.0f} req/s   statuses {ping_status}")
        print(f"floor (auth + insert) {floor_rate:8.0f} req/s   statuses {floor_status}")
        print(f"POST /scans (single)  {scan_rate:8.0f} req/s   statuses {scan_status}")
        print(f"scan / bare           {scan_rate / ping_rate:8.2f}")
        print(f"scan / floor          {scan_rate / floor_rate:8.2f}   (target ≥ 0.80)")

        queue = []
        for code in bulk_codes:
            for step, action in enumerate(actions):
                queue.append(scan_body(code, action, now - timedelta(days=3, hours=4 - step)))
        queue = queue[: args.bulk]
        random.Random(7).shuffle(queue)
        bodies = [
            (
                "POST",
                "/api/v1/scans/bulk",
                json.dumps({"scans": queue[i : i + 1000]}).encode(),
                auth,
            )
            for i in range(0, len(queue), 1000)
        ]
        bulk_time, bulk_status = run_load(port, 2, bodies)
        print(
            f"bulk ingest           {len(queue) / bulk_time:8.0f} scans/s "
            f"({len(queue)} scans in {bulk_time:.2f} s, {len(bodies)} bodies, 2 clients; "
            f"statuses {bulk_status}; target ≥ 10,000)"
        )
        from quality.models import ScanEvent

        recorded = ScanEvent.objects.filter(lot__code__in=bulk_codes).count()
        print(f"bulk scans recorded   {recorded} of {len(queue)}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0
