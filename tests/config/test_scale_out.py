"""What `docker compose up --scale web=3 --scale worker=4` relies on, with the real processes:
two gunicorn web servers and two Celery workers at once on one PostgreSQL (through PgBouncer in
CI) and one Redis, as separate processes that share nothing but those.

- a sign-in made on one web server holds on the other (sessions and tokens in the database);
- failed sign-ins count across servers (the lock-out is in the database, not in a process);
- background jobs requested through either server are each run exactly once by the pool.
"""

# ruff: noqa: S310 - urllib opens the test's own http://127.0.0.1 servers only
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from jobs.models import Job
from payouts import services as payouts
from payouts.models import PayoutPeriod, Statement
from tests.factories import PASSWORD, make_user, make_workshop
from tests.payouts.factories import make_households, make_order, make_outcome
from tests.processes import Workers, clear_broker, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


class Web:
    """One gunicorn server (1 worker process × 2 threads) on its own port."""

    def __init__(self, pool: Workers, name: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        log = pool.tmp_path / f"web-{name}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "2",
            ],
            cwd=ROOT,
            env=pool.env(DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        pool.processes.append((self.process, log))
        wait_for(self.ready, timeout=60, what=f"web {name} to answer", pool=pool, every=0.2)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def api(self, method: str, path: str, body=None, token: str = "") -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.base}/api/v1{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def stack(tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL on PostgreSQL and REDIS_URL: real servers and workers")
    clear_broker()
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()
    clear_broker()


def test_a_sign_in_on_one_web_server_holds_on_the_other(stack):
    operator = make_user(User.Role.OPERATOR)
    first, second = Web(stack, "a"), Web(stack, "b")

    sign_in = {"username": operator.username, "password": PASSWORD}
    status, body = first.api("POST", "/auth/token", sign_in)
    assert status == 200, body
    status, me = second.api("GET", "/me", token=body["token"])
    assert (status, me["username"]) == (200, operator.username)

    # A page session: signed in through the login form on one, a page of the other.
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = browser.open(f"{first.base}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    browser.open(
        urllib.request.Request(
            f"{first.base}/login/",
            data=urllib.parse.urlencode({**sign_in, "csrfmiddlewaretoken": token}).encode(),
            headers={"Referer": f"{first.base}/login/"},
        ),
        timeout=30,
    )
    answer = browser.open(f"{second.base}/inbox/", timeout=30)
    assert answer.geturl() == f"{second.base}/inbox/"  # not sent to the login page
    assert answer.status == 200


def test_failed_sign_ins_count_across_web_servers(stack, settings):
    lead = make_user(User.Role.LEAD)
    servers = [Web(stack, "a"), Web(stack, "b")]
    wrong = {"username": lead.username, "password": "not-the-password"}
    answers = [
        servers[attempt % 2].api("POST", "/auth/token", wrong)[0]
        for attempt in range(settings.AXES_FAILURE_LIMIT)
    ]
    # each failure counted once, whichever server took it: the last one locks the pair out
    assert answers == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429], answers
    # The right password is now refused on both: the count was one, not one per server.
    right = {"username": lead.username, "password": PASSWORD}
    for server in servers:
        status, body = server.api("POST", "/auth/token", right)
        assert (status, "token" in body) == (429, False), (status, body)


def test_jobs_sent_through_either_web_server_run_once_on_a_pool_of_workers(stack):
    operator = make_user(User.Role.OPERATOR)
    order = make_order(fee="0.5000")
    periods = []
    for i in range(4):
        workshop = make_workshop(with_lead=False)
        for household in make_households(workshop, 3):
            make_outcome(household, order, accepted=10 + i)
        period = payouts.period_create(
            actor=operator,
            name=f"三月 {i}",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 31),
            scope="workshop",
            workshop_id=workshop.pk,
        )
        payouts.period_compute(period_id=period.pk, actor=operator)
        periods.append(period)
    stack.start("one")
    stack.start("two")
    servers = [Web(stack, "a"), Web(stack, "b")]
    _status, body = servers[0].api(
        "POST", "/auth/token", {"username": operator.username, "password": PASSWORD}
    )
    token = body["token"]

    for i, period in enumerate(periods):
        status, answer = servers[i % 2].api(
            "POST", f"/payouts/periods/{period.pk}/approve", token=token
        )
        assert status == 202, answer

    def all_approved() -> bool:
        return PayoutPeriod.objects.filter(
            pk__in=[p.pk for p in periods], status="approved"
        ).count() == len(periods)

    wait_for(all_approved, timeout=120, what="every period approved", pool=stack, every=0.2)
    for period in periods:
        period.refresh_from_db()
        job = Job.objects.get(pk=period.approve_job_id)
        assert (job.status, job.attempts) == ("succeeded", 1), (job.status, job.attempts)
        assert Statement.objects.filter(period=period).count() == 3
    assert os.environ.get("DATABASE_URL")  # the servers and workers used the same database
