"""A gunicorn worker killed in the middle of a bulk scan: the phone's retry records every scan
once. Real processes: gunicorn (one worker) on the PostgreSQL test database.

To kill the worker at a known point, the test holds a row lock on one of the lots: the
worker's ``SELECT … FOR UPDATE`` of the bulk's lots waits on it, inside its transaction, and
is killed there (SIGKILL: no ``finally``, no rollback by the application; the database drops
the transaction when the connection goes). The gunicorn master starts a new worker, and the
phone, which got no answer, sends the same bulk again.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from quality.models import Lot, ScanEvent
from tests.factories import bearer, make_user
from tests.processes import alive, children_of, database_url, free_port

from .factories import finished_lot, make_batch, returned

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ("shipped", "received", "inspected", "delivered")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gunicorn(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: gunicorn's worker and the test share the test database")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "DATABASE_CONN_MAX_AGE": "0"}
    master = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5).read()  # noqa: S310
            break
        except OSError:
            if time.monotonic() > deadline or master.poll() is not None:
                raise AssertionError(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.2)
    yield master, base, log
    os.killpg(master.pid, signal.SIGTERM)
    try:
        master.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(master.pid, signal.SIGKILL)


def post_bulk(base: str, headers: dict[str, str], scans: list[dict]) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        f"{base}/api/v1/scans/bulk",
        data=json.dumps({"scans": scans}).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def waiting_on_our_lock(blocker_pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [blocker_pid],
        )
        return cursor.fetchone()[0] > 0


def test_gunicorn_worker_killed_mid_bulk_scan_then_the_retry_records_every_scan_once(
    gunicorn, workshop
):
    master, base, log = gunicorn
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    batch = make_batch(workshop)
    household = returned(batch, pieces=5 * 50)
    lots = [finished_lot(batch, {household: 5}) for _ in range(50)]
    now = timezone.now()
    scans = [
        {
            "key": str(uuid.uuid4()),
            "code": lot.code,
            "action": ACTIONS[step % 4],
            "device_time": (now - timedelta(minutes=10_000 - step * 7)).isoformat(),
            "note": "",
        }
        for lot in lots
        for step in range(20)
    ]
    assert len(scans) == 1000
    headers = bearer(checker)
    (worker,) = children_of(master.pid)

    # Hold a lot's row lock so that the worker stops inside its transaction.
    db = connection.settings_dict
    blocker = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
    )
    outcome: dict[str, object] = {}

    def phone() -> None:
        try:
            outcome["answer"] = post_bulk(base, headers, scans)
        except (OSError, urllib.error.URLError) as exc:  # the connection died with the worker
            outcome["error"] = exc

    try:
        with blocker.transaction():
            blocker.execute("SELECT id FROM quality_lot WHERE id = %s FOR UPDATE", [lots[-1].pk])
            # The server's own pid: behind PgBouncer, the one the client is told is the pooler's.
            blocker_pid = blocker.execute("SELECT pg_backend_pid()").fetchone()[0]
            started = time.monotonic()
            sender = threading.Thread(target=phone)
            sender.start()
            while not waiting_on_our_lock(blocker_pid):
                assert time.monotonic() - started < 60, log.read_text()
                time.sleep(0.02)
            os.kill(worker, signal.SIGKILL)
            sender.join(timeout=30)
    finally:
        blocker.close()
    assert "error" in outcome and "answer" not in outcome, outcome
    assert ScanEvent.objects.count() == 0  # the killed transaction left nothing

    # The master replaces the worker; the phone sends the same queue again.
    deadline = time.monotonic() + 60
    while not [pid for pid in children_of(master.pid) if pid != worker and alive(pid)]:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    status, body = post_bulk(base, headers, scans)
    assert status == 200, body
    assert (body["created"], body["replayed"], body["rejected"]) == (1000, 0, 0)
    status, body = post_bulk(base, headers, scans)  # and once more: all replays
    assert (body["created"], body["replayed"], body["rejected"]) == (0, 1000, 0)

    assert ScanEvent.objects.count() == 1000
    assert ScanEvent.objects.values("key").distinct().count() == 1000
    assert set(ScanEvent.objects.values_list("key", flat=True)) == {s["key"] for s in scans}
    assert set(
        Lot.objects.filter(pk__in=[lot.pk for lot in lots]).values_list("stage", flat=True)
    ) == {"delivered"}
