"""Every page and API call of the load mix, one at a time, in-process: the noise-robust figure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_national_bench \\
    REDIS_URL=redis://127.0.0.1:6379/8 \\
        python -m benchmarks pages [--people 3] [--repeat 3] [--only lead]

The same people and the same requests as ``benchmarks/locustfile.py`` (the manifest is
``benchmarks.load.manifest``), sent through Django's test client (the whole middleware stack,
no HTTP server, no other request at the same time). For each page or call, ``--people``
people of its role (seeded choice among the manifest's) each send it ``--repeat`` times; the
best of a person's tries counts, and the table prints the median and the slowest person with
that person's queries, their time in PostgreSQL and the response's size (before gzip).

Under the load run, 30 users at ~12 requests/s on 2 cores leave about 100 ms of CPU per
request for Django, PostgreSQL and Locust together: a request alone should stay near 60 ms.

Writes happen (claims, scans, inspections, progress logs): run it on a copy of the national
set, as the load run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.test import Client
from django.test.utils import override_settings

TARGET_MS = 60


@dataclass
class Try:
    ms: float
    cpu_ms: float  # this process's CPU: Python's share, steadier than wall time on a busy machine
    queries: int
    sql_ms: float
    size: int
    status: int
    statements: list[tuple[float, str]] = field(default_factory=list)  # (ms, SQL)


@dataclass
class Row:
    name: str
    tries: list[Try] = field(default_factory=list)  # the best try of each person


def timed(send: Callable[[], object]) -> Try:
    counter = {"n": 0, "seconds": 0.0}
    statements = []

    def count(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            counter["n"] += 1
            counter["seconds"] += took
            statements.append((took * 1000, sql))

    with connection.execute_wrapper(count):
        cpu, started = time.process_time(), time.perf_counter()
        response = send()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    body = b"" if getattr(response, "streaming", False) else response.content
    return Try(
        elapsed * 1000,
        cpu * 1000,
        counter["n"],
        counter["seconds"] * 1000,
        len(body),
        response.status_code,
        statements,
    )


class Person:
    """One signed-in person of the manifest: a session for the pages, a bearer key for the API."""

    def __init__(self, identity: dict):
        from accounts.models import User
        from accounts.services import api_token_issue

        self.me = identity
        self.client = Client()
        self.headers: dict[str, str] = {}
        if "username" in identity:
            user = User.objects.get(username=identity["username"])
            self.client.force_login(user)
            _, key = api_token_issue(user=user, name="benchmarks.pages")
            self.headers = {"Authorization": f"Bearer {key}"}

    def page(self, path: str):
        return lambda: self.client.get(path)

    def form(self, path: str, data: dict | None = None):
        return lambda: self.client.post(path, data or {})

    def api(self, method: str, path: str, body: dict | None = None):
        def send():
            return self.client.generic(
                method,
                f"/api/v1{path}",
                data=b"" if body is None else json.dumps(body),
                content_type="application/json",
                headers=self.headers,
            )

        return send


def scan_body(code: str) -> dict:
    return {
        "key": str(uuid.uuid4()),
        "code": code,
        "action": "received",
        "device_time": datetime.now(UTC).isoformat(),
    }


def requests_of(data: dict, rng: random.Random) -> dict[str, Callable[[Person], Callable | None]]:
    """Page or call name (as the locust report names it) → per try, how a person sends it.

    Each entry is a function of the person giving the request to time; it is called again for
    every try, so writes use a fresh target each time (a new open batch, a new lot, a new key).
    """
    open_batches = list(data["open_batches"])
    rng.shuffle(open_batches)

    def pick(items):
        return rng.choice(items) if items else None

    def claim(p: Person):
        return p.form(f"/work/batches/{open_batches.pop()}/claim/") if open_batches else None

    def inspect(p: Person):
        lots = p.me["to_inspect"]  # each lot once: a second inspection of the round is a 409
        return p.api("POST", f"/lots/{lots.pop()}/inspections", {"defects": []}) if lots else None

    def log(p: Person):
        if not (trainee := pick(p.me["trainees"])):
            return None
        body = {
            "module_id": trainee["module"],
            "date": datetime.now(UTC).date().isoformat(),
            "hours": "2.0",
            "activity": "实操练习",
        }
        return p.api("POST", f"/trainees/{trainee['id']}/progress", body)

    def one_of(key: str, path: str, pages: bool = True):
        """A page (or API call) about one of the person's things, ``{}`` in ``path``."""

        def send(p: Person):
            if not (item := pick(p.me[key])):
                return None
            item = item["id"] if isinstance(item, dict) else item
            return p.page(path.format(item)) if pages else p.api("GET", path.format(item))

        return send

    return {
        # the floor: the whole middleware stack and one query, to read the rest against
        "reference: GET /healthz": lambda p: p.page("/healthz"),
        "lead: GET /work/": lambda p: p.page("/work/"),
        "lead: GET /work/mine/": lambda p: p.page("/work/mine/"),
        "lead: GET /work/batches/{id}/": one_of("batches", "/work/batches/{}/"),
        "lead: GET /api/v1/batches?status=open": (
            lambda p: p.api("GET", "/batches?status=open&limit=20")
        ),
        "lead: POST /work/batches/{id}/claim/": claim,
        "checker: GET /lots/": lambda p: p.page("/lots/"),
        "checker: GET /lots/{code}/": one_of("lots", "/lots/{}/"),
        "checker: GET /api/v1/lots/{code}/plan": one_of("lots", "/lots/{}/plan", pages=False),
        "checker: POST /api/v1/scans": (
            lambda p: (
                p.api("POST", "/scans", scan_body(pick(p.me["lots"]))) if p.me["lots"] else None
            )
        ),
        "checker: POST /api/v1/lots/{code}/inspections": inspect,
        "checker: GET /scan/": lambda p: p.page("/scan/"),
        "household: GET /s/{token}/": lambda p: p.page(f"/s/{p.me['token']}/"),
        "household: GET /api/v1/statements/{token}": (
            lambda p: p.api("GET", f"/statements/{p.me['token']}")
        ),
        "merchant: GET /shop/": lambda p: p.page("/shop/"),
        "merchant: GET /shop/orders/{id}/": one_of("orders", "/shop/orders/{}/"),
        "merchant: GET /api/v1/orders": lambda p: p.api("GET", "/orders?limit=20"),
        "merchant: GET /api/v1/orders/{id}/batches": one_of(
            "orders", "/orders/{}/batches", pages=False
        ),
        "trainer: GET /train/": lambda p: p.page("/train/"),
        "trainer: GET /train/cohorts/{id}/": one_of("cohorts", "/train/cohorts/{}/"),
        "trainer: GET /train/trainees/{id}/": one_of("trainees", "/train/trainees/{}/"),
        "trainer: POST /api/v1/trainees/{id}/progress": log,
        "operator: GET /ops/": lambda p: p.page("/ops/"),
        "operator: GET /ops/payouts/": lambda p: p.page("/ops/payouts/"),
        "operator: GET /ops/payouts/{id}/": one_of("periods", "/ops/payouts/{}/"),
        "operator: GET /api/v1/payouts/periods/{id}/lines": one_of(
            "periods", "/payouts/periods/{}/lines?limit=50", pages=False
        ),
        "operator: GET /ops/allocation/": lambda p: p.page("/ops/allocation/"),
    }


ROLE_KEYS = {
    "lead": "leads",
    "checker": "checkers",
    "merchant": "merchants",
    "trainer": "trainers",
    "operator": "operators",
}


def people_of(data: dict, people: int, rng: random.Random) -> dict[str, list[Person]]:
    chosen: dict[str, list[Person]] = {}
    for role, key in ROLE_KEYS.items():
        pool = data[key]
        chosen[role] = [Person(i) for i in rng.sample(pool, min(people, len(pool)))]
    tokens = rng.sample(data["statements"], min(people, len(data["statements"])))
    chosen["household"] = [Person({"token": t}) for t in tokens]
    chosen["reference"] = chosen["household"]
    return chosen


def format_table(rows: list[Row]) -> str:
    out = [
        f"{'page or call':48} {'median ms':>9} {'worst ms':>9} {'CPU ms':>7} {'queries':>7} "
        f"{'SQL ms':>7} {'bytes':>9}  status",
    ]
    for row in rows:
        if not row.tries:
            out.append(f"{row.name:48} (nothing to send: the manifest has no target)")
            continue
        worst = max(row.tries, key=lambda t: t.ms)
        median = statistics.median(t.ms for t in row.tries)
        flag = "" if worst.ms <= TARGET_MS else "  > 60"
        statuses = ",".join(sorted({str(t.status) for t in row.tries}))
        out.append(
            f"{row.name:48} {median:9.1f} {worst.ms:9.1f} {worst.cpu_ms:7.1f} {worst.queries:7d} "
            f"{worst.sql_ms:7.1f} {worst.size:9,d}  {statuses}{flag}"
        )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks pages")
    parser.add_argument("--people", type=int, default=3, help="people per role")
    parser.add_argument("--repeat", type=int, default=3, help="tries per person; best counts")
    parser.add_argument("--only", default="", help="only names containing this text")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--queries", action="store_true", help="print each statement of the slowest try"
    )
    args = parser.parse_args(argv)

    if connection.vendor != "postgresql":
        print("needs PostgreSQL with the national set: set DATABASE_URL")
        return 2
    from .load import manifest

    started = time.perf_counter()
    data = manifest()
    rng = random.Random(args.seed)
    with override_settings(SECURE_SSL_REDIRECT=False):
        people = people_of(data, args.people, rng)
        print(
            f"manifest and {sum(map(len, people.values()))} people signed in "
            f"({time.perf_counter() - started:.1f} s); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        for person in people["household"]:  # URLconf, templates, connections: not timed
            person.client.get("/healthz")
            person.client.get(f"/s/{person.me['token']}/")
        rows: list[Row] = []
        for name, make in requests_of(data, rng).items():
            if args.only and args.only not in name and not name.startswith("reference"):
                continue
            row = Row(name)
            role = name.split(":", 1)[0]
            for person in people[role]:
                tries = []
                for _ in range(args.repeat):
                    send = make(person)
                    if send is None:
                        break
                    tries.append(timed(send))
                if tries:
                    row.tries.append(min(tries, key=lambda t: t.ms))
            rows.append(row)
            print(format_table([row]).splitlines()[-1], flush=True)
            if args.queries and row.tries:
                for ms, sql in max(row.tries, key=lambda t: t.ms).statements:
                    print(f"    {ms:7.1f} ms  {' '.join(sql.split())[:220]}")
    print()
    print(
        f"best of {args.repeat} per person, {args.people} people per role; "
        f"load average {os.getloadavg()[0]:.1f} (1 min)"
    )
    print(format_table(rows))
    slow = [r.name for r in rows if r.tries and max(t.ms for t in r.tries) > TARGET_MS]
    print(
        f"\n{len(rows) - len(slow)} of {len(rows)} within {TARGET_MS} ms alone; over: "
        + (", ".join(slow) or "none")
    )
    return 0
