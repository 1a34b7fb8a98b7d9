"""People using Shouchuang on the national set, as Locust users: one class per role.

Started by ``python -m benchmarks load`` (which writes the manifest of who may sign in and what
each can see, starts gunicorn and a Celery worker, runs this headless and writes the report).
By hand:

    NATIONAL_MANIFEST=var/load/manifest.json locust -f benchmarks/locustfile.py --headless \\
        -u 30 -r 5 -t 120s --host http://127.0.0.1:8000

The mix follows the programme's people: many workshop leads on phones (their open batches,
their batches, claiming), many quality checkers (lots to inspect, scanning lots at hand-over,
the sampling plan, inspecting), households opening their statement links, some merchants
watching orders, trainers logging sessions, and a few operators (impact, payout periods,
payout lines). Each person signs in once (the login form, and a bearer token for the API)
and then works with a few seconds between taps. Request names are "role: METHOD path" with
ids replaced by ``{id}``, so the report groups by page and call.

Every response from the benchmark server carries ``X-Bench-Queries`` (see
``benchmarks.querycount``); this file sums them per request name and writes them to
``$QUERY_STATS`` when the run ends.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import gevent
from locust import FastHttpUser, between, events, task

MANIFEST_PATH = os.environ.get("NATIONAL_MANIFEST", "var/load/manifest.json")
MANIFEST = json.loads(Path(MANIFEST_PATH).read_text())
PASSWORD = MANIFEST["password"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_stats: dict[str, dict[str, float]] = defaultdict(
    lambda: {"n": 0, "queries": 0, "max_queries": 0, "db_ms": 0.0, "server_ms": 0.0}
)
_times: dict[str, list[float]] = defaultdict(list)  # per role, sign-in left out
_lock = threading.Lock()


_window = {"started": time.time(), "signed_in": 0, "target": 0, "complete": False}


def _everyone_signed_in(environment) -> None:
    """The measured window starts once every user has signed in: the ramp and its password
    checks (PBKDF2, about a second of CPU each) are not what a working day looks like."""
    with _lock:
        _window["signed_in"] += 1
        _window["target"] = environment.runner.target_user_count
        if _window["signed_in"] != environment.runner.target_user_count:
            return
        _window["complete"] = True
        if window := float(os.environ.get("LOAD_WINDOW_S") or 0):
            # the measured window is exactly --duration however long the sign-ins took
            gevent.spawn_later(window, environment.runner.quit)
        environment.runner.stats.reset_all()
        _stats.clear()
        _times.clear()
        _window["started"] = time.time()


@events.request.add_listener
def _count_queries(name, response, exception, response_time=0.0, **kwargs):
    role = name.split(":", 1)[0]
    if role != "sign-in":
        with _lock:
            _times[role].append(response_time)
    headers = getattr(response, "headers", None)
    if not headers or headers.get("X-Bench-Queries") is None:
        return
    queries = int(headers.get("X-Bench-Queries"))
    with _lock:
        row = _stats[name]
        row["n"] += 1
        row["queries"] += queries
        row["max_queries"] = max(row["max_queries"], queries)
        row["db_ms"] += float(headers.get("X-Bench-DB-ms") or 0)
        row["server_ms"] += float(headers.get("X-Bench-Server-ms") or 0)


@events.quitting.add_listener
def _write_queries(environment, **kwargs):
    path = os.environ.get("QUERY_STATS")
    if path:
        roles = {}
        everyone = [t for times in _times.values() for t in times]
        for role, times in [*_times.items(), ("all roles", everyone)]:
            if not times:
                continue
            times = sorted(times)
            roles[role] = {
                "n": len(times),
                **{
                    f"p{q}": times[min(len(times) - 1, int(len(times) * q / 100))]
                    for q in (50, 95, 99)
                },
            }
        window = time.time() - _window["started"]
        with open(path, "w") as out:
            json.dump(
                {
                    "names": _stats,
                    "roles": roles,
                    "window_s": window,
                    # the runner refuses a report whose window never started (a half run)
                    "signed_in": _window["signed_in"],
                    "target_users": _window["target"],
                    "window_started": _window["complete"],
                },
                out,
                indent=1,
                ensure_ascii=False,
            )


class Person(FastHttpUser):
    abstract = True
    wait_time = between(1, 4)  # a person reading the screen between taps
    role = ""
    identities: list = []

    def on_start(self) -> None:
        self.me = random.choice(self.identities)
        self.csrf = ""
        self.token = ""
        if "username" in self.me:
            self.sign_in(self.me["username"])
        _everyone_signed_in(self.environment)

    def sign_in(self, username: str) -> None:
        with self.client.get("/login/", name="sign-in: GET /login/", catch_response=True) as r:
            match = CSRF.search(r.text or "")
            r.success()
        self.client.post(
            "/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match[1]},
            headers={"Referer": f"{self.host}/login/"},
            name="sign-in: POST /login/",
            allow_redirects=False,
        )
        response = self.client.post(
            "/api/v1/auth/token",
            json={"username": username, "password": PASSWORD},
            name="sign-in: POST /api/v1/auth/token",
        )
        self.token = (response.json() or {}).get("token", "")

    def page(self, path: str, name: str):
        with self.client.get(path, name=f"{self.role}: GET {name}", catch_response=True) as r:
            match = CSRF.search(r.text or "")
            if match:
                self.csrf = match[1]
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
            return r

    def api(self, method: str, path: str, name: str, body=None, ok=(200, 201)):
        with self.client.request(
            method,
            f"/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
            name=f"{self.role}: {method} /api/v1{name}",
            catch_response=True,
        ) as r:
            if r.status_code not in ok:
                r.failure(f"{r.status_code} {(r.text or '')[:120]}")
            else:
                r.success()
            return r

    def form(self, path: str, name: str, data: dict):
        data = {**data, "csrfmiddlewaretoken": self.csrf}
        with self.client.post(
            path,
            data=data,
            headers={"Referer": f"{self.host}{path}"},
            name=f"{self.role}: POST {name}",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code not in (200, 302, 303):
                r.failure(f"{r.status_code}")
            else:
                r.success()


class Lead(Person):
    """A workshop lead on a cheap phone: open batches, its own batches, a claim now and then."""

    weight = 35
    role = "lead"
    identities = MANIFEST["leads"]

    @task(3)
    def open_batches(self):
        self.page("/work/", "/work/")

    @task(3)
    def my_batches(self):
        self.page("/work/mine/", "/work/mine/")

    @task(4)
    def batch(self):
        if self.me["batches"]:
            self.page(f"/work/batches/{random.choice(self.me['batches'])}/", "/work/batches/{id}/")

    @task(2)
    def open_batches_api(self):
        self.api("GET", "/batches?status=open&limit=20", "/batches?status=open")

    @task(1)
    def claim(self):
        if MANIFEST["open_batches"] and self.csrf:
            batch = random.choice(MANIFEST["open_batches"])
            self.form(f"/work/batches/{batch}/claim/", "/work/batches/{id}/claim/", {})


class Checker(Person):
    """A quality checker at a regional centre: lots to inspect, scans at hand-over, inspections."""

    weight = 20
    role = "checker"
    identities = MANIFEST["checkers"]

    def lot(self) -> str | None:
        return random.choice(self.me["lots"]) if self.me["lots"] else None

    @task(3)
    def lots_to_inspect(self):
        self.page("/lots/", "/lots/")

    @task(3)
    def lot_page(self):
        if code := self.lot():
            self.page(f"/lots/{code}/", "/lots/{code}/")

    @task(1)
    def plan(self):
        if code := self.lot():
            self.api("GET", f"/lots/{code}/plan", "/lots/{code}/plan")

    @task(4)
    def scan(self):
        if code := self.lot():
            body = {
                "key": str(uuid.uuid4()),
                "code": code,
                "action": "received",
                "device_time": datetime.now(UTC).isoformat(),
            }
            self.api("POST", "/scans", "/scans", body)

    @task(1)
    def inspect(self):
        # each lot is inspected once: a second inspection of the round is a 409, expected
        if self.me["to_inspect"]:
            code = self.me["to_inspect"].pop()
            self.api(
                "POST",
                f"/lots/{code}/inspections",
                "/lots/{code}/inspections",
                {"defects": []},
                ok=(200, 201, 409),
            )

    @task(1)
    def scan_page(self):
        self.page("/scan/", "/scan/")


class Household(Person):
    """A household opening the statement link from its paper slip (no login)."""

    weight = 25
    role = "household"
    identities = [{"token": t} for t in MANIFEST["statements"]]

    @task(5)
    def statement(self):
        self.page(f"/s/{self.me['token']}/", "/s/{token}/")

    @task(1)
    def statement_api(self):
        self.api("GET", f"/statements/{self.me['token']}", "/statements/{token}")


class Merchant(Person):
    """A Yiwu merchant watching its orders."""

    weight = 8
    role = "merchant"
    identities = MANIFEST["merchants"]

    @task(3)
    def orders(self):
        self.page("/shop/", "/shop/")

    @task(3)
    def order(self):
        if self.me["orders"]:
            self.page(f"/shop/orders/{random.choice(self.me['orders'])}/", "/shop/orders/{id}/")

    @task(1)
    def orders_api(self):
        self.api("GET", "/orders?limit=20", "/orders")

    @task(1)
    def batches_api(self):
        if self.me["orders"]:
            order = random.choice(self.me["orders"])
            self.api("GET", f"/orders/{order}/batches", "/orders/{id}/batches")


class Trainer(Person):
    """A trainer: cohorts, a trainee's record, logging a session."""

    weight = 8
    role = "trainer"
    identities = MANIFEST["trainers"]

    @task(2)
    def cohorts(self):
        self.page("/train/", "/train/")

    @task(3)
    def cohort(self):
        if self.me["cohorts"]:
            self.page(
                f"/train/cohorts/{random.choice(self.me['cohorts'])}/", "/train/cohorts/{id}/"
            )

    @task(2)
    def trainee(self):
        if self.me["trainees"]:
            trainee = random.choice(self.me["trainees"])["id"]
            self.page(f"/train/trainees/{trainee}/", "/train/trainees/{id}/")

    @task(1)
    def log(self):
        if self.me["trainees"]:
            trainee = random.choice(self.me["trainees"])
            body = {
                "module_id": trainee["module"],
                "date": datetime.now(UTC).date().isoformat(),
                "hours": "2.0",
                "activity": "实操练习",
            }
            self.api("POST", f"/trainees/{trainee['id']}/progress", "/trainees/{id}/progress", body)


class Operator(Person):
    """An operator of the Yiwu base: impact, payout periods, payout lines, allocation runs."""

    fixed_count = 1  # the Yiwu base's operator: one at any load
    role = "operator"
    identities = MANIFEST["operators"]

    @task(2)
    def impact(self):
        self.page("/ops/", "/ops/")

    @task(1)
    def periods(self):
        self.page("/ops/payouts/", "/ops/payouts/")

    @task(2)
    def period(self):
        period = random.choice(self.me["periods"])
        self.page(f"/ops/payouts/{period['id']}/", "/ops/payouts/{id}/")

    @task(1)
    def lines(self):
        """Walks a period's lines 50 at a time as the operator pages on: the first page, then
        each page after the last one's cursor (``next``), back to the first at the end."""
        period = random.choice(self.me["periods"])
        cursors = self.__dict__.setdefault("line_cursors", {})
        after = cursors.get(period["id"])
        query = f"limit=50&after={after}" if after else "limit=50"
        r = self.api(
            "GET", f"/payouts/periods/{period['id']}/lines?{query}", "/payouts/periods/{id}/lines"
        )
        if r.status_code == 200:
            cursors[period["id"]] = r.json().get("next")

    @task(1)
    def allocation(self):
        self.page("/ops/allocation/", "/ops/allocation/")
