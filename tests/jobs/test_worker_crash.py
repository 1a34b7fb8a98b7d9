"""Fault tests: real Celery workers on Redis, killed with SIGKILL in the middle of a job.

"A crash loses nothing and doubles nothing": a payout compute, an approval and a label sheet,
each killed half way, are finished by a new worker and applied exactly once.

How the work comes back, as in production (config/settings.py: late ack, reject on worker
lost, prefetch 1, Redis visibility timeout 2 h):

- a whole worker killed (main process and pool, the process group): its message stays
  unacknowledged in Redis until the visibility timeout. The jobs reaper sends it again once the
  job's heartbeat is older than ``JOB_STALLED_AFTER``: here the second worker runs with
  ``JOB_STALLED_AFTER_SECONDS=1`` and the test sends it the reaper task (beat would, every
  minute);
- only the pool process killed: Celery itself hands the task to a new pool process.

The first worker is slowed down (``SHOUCHUANG_JOB_STEP_DELAY``, one workshop or household a
step) so that it can be killed with the job's ``done`` strictly between 0 and its total.
"""

import os
import re
import signal
import time
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum

from accounts.models import User
from jobs.models import Job
from payouts import services as payouts
from payouts.models import LedgerEntry, PayoutClaim, PayoutLine, PayoutPeriod, PayoutPool, Statement
from payouts.services import periods
from tests.factories import make_user, make_workshop
from tests.payouts.factories import make_households, make_order, make_outcome
from tests.processes import Workers, children_of, clear_broker, wait_for

ROOT = Path(__file__).resolve().parents[2]
FEE_FEN = 50

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def workers(tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL on PostgreSQL and REDIS_URL: real workers on Redis")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    clear_broker()
    started = time.monotonic()
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()
    clear_broker()
    print(f"\nfault test took {time.monotonic() - started:.1f} s")


SLOW = {
    "SHOUCHUANG_JOB_STEP_DELAY": "0.25",
    "PAYOUT_COMPUTE_CHUNK_WORKSHOPS": "1",
    "PAYOUT_APPROVE_CHUNK_HOUSEHOLDS": "1",
}
# The second worker: quick, and its reaper takes a heartbeat 1 s old for a lost worker.
RESCUER = {
    "SHOUCHUANG_JOB_STEP_DELAY": "0",
    "PAYOUT_COMPUTE_CHUNK_WORKSHOPS": "1",
    "PAYOUT_APPROVE_CHUNK_HOUSEHOLDS": "1",
    "JOB_STALLED_AFTER_SECONDS": "1",
}


def job_midway(job_id: int):
    def check():
        job = Job.objects.get(pk=job_id)
        return job if job.status == "running" and 0 < job.done < job.total else None

    return check


def job_ended(job_id: int):
    def check():
        job = Job.objects.get(pk=job_id)
        return job if job.is_finished else None

    return check


def rescue(pool: Workers, job_id: int) -> Job:
    """A new worker, and the reaper (as beat would send it) to send the lost job again."""
    from jobs.tasks import jobs_reap_stalled_task

    pool.start("rescuer", **RESCUER)
    time.sleep(1.2)  # the lost run's last heartbeat is now older than JOB_STALLED_AFTER
    reaped = jobs_reap_stalled_task.delay().get(timeout=60)
    assert reaped == {"requeued": [job_id], "given_up": []}, pool.logs()
    return wait_for(job_ended(job_id), timeout=60, what="the job to end", pool=pool)


@pytest.fixture
def operator_user(db) -> User:
    return make_user(User.Role.OPERATOR)


@pytest.fixture
def twelve_workshops(db) -> dict[str, dict]:
    """Twelve workshops of two households; what a clean compute pays each household and pool."""
    order = make_order(fee="0.5000")
    households: dict[int, int] = {}
    pools: dict[int, int] = defaultdict(int)
    for _ in range(12):
        workshop = make_workshop(with_lead=False)
        for household in make_households(workshop, 2):
            pieces = 10 + len(households)
            make_outcome(household, order, accepted=pieces)
            households[household.pk] = pieces * FEE_FEN
            pools[workshop.pk] += pieces * FEE_FEN
    return {"households": households, "pools": dict(pools)}


def open_period(operator) -> PayoutPeriod:
    from datetime import date

    return payouts.period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )


def assert_computed_exactly_once(period: PayoutPeriod, expected: dict[str, dict]) -> None:
    period.refresh_from_db()
    assert period.status == "computed"
    lines = PayoutLine.objects.filter(pool__period=period)
    assert (
        dict(lines.values_list("household_id").annotate(Sum("amount_fen")))
        == expected["households"]
    )
    assert lines.count() == len(expected["households"])
    pools = PayoutPool.objects.filter(period=period)
    assert dict(pools.values_list("workshop_id", "gross_fen")) == expected["pools"]
    assert pools.count() == len(expected["pools"])
    assert PayoutClaim.objects.filter(period=period).count() == len(expected["households"])
    assert period.gross_fen == sum(expected["households"].values())


def test_compute_whose_worker_is_killed_is_finished_once_by_a_new_worker(
    workers, operator_user, twelve_workshops, monkeypatch
):
    monkeypatch.setattr(periods, "SYNC_COMPUTE_LIMIT", 0)
    first = workers.start("first", **SLOW)
    period, job = payouts.period_compute_request(
        period_id=open_period(operator_user).pk, actor=operator_user
    )
    midway = wait_for(job_midway(job.pk), timeout=60, what="the compute half way", pool=workers)
    workers.kill(first)
    assert 0 < midway.done < midway.total == 12
    assert PayoutPeriod.objects.get(pk=period.pk).status == "computing"

    job = rescue(workers, job.pk)

    assert (job.status, job.attempts, job.done, job.total) == ("succeeded", 2, 12, 12), job.message
    assert_computed_exactly_once(period, twelve_workshops)


def test_compute_whose_pool_process_is_killed_is_run_again_by_celery_and_finishes_once(
    workers, operator_user, twelve_workshops, monkeypatch
):
    monkeypatch.setattr(periods, "SYNC_COMPUTE_LIMIT", 0)
    worker = workers.start("one", **SLOW)
    period, job = payouts.period_compute_request(
        period_id=open_period(operator_user).pk, actor=operator_user
    )
    wait_for(job_midway(job.pk), timeout=60, what="the compute half way", pool=workers)
    children = children_of(worker.pid)
    assert len(children) == 1, children
    os.kill(children[0], signal.SIGKILL)  # the pool process only: the main process lives on

    job = wait_for(job_ended(job.pk), timeout=60, what="the job to end", pool=workers)

    assert (job.status, job.attempts) == ("succeeded", 2), job.message
    assert_computed_exactly_once(period, twelve_workshops)


def test_approval_whose_worker_is_killed_is_finished_once_by_a_new_worker(
    workers, operator_user, twelve_workshops
):
    period = payouts.period_compute(period_id=open_period(operator_user).pk, actor=operator_user)
    first = workers.start("first", **SLOW)
    period, job = payouts.period_approve_request(period_id=period.pk, actor=operator_user)
    assert period.status == "approving"
    midway = wait_for(job_midway(job.pk), timeout=60, what="the approval half way", pool=workers)
    workers.kill(first)
    assert 0 < midway.done < midway.total == 24
    assert PayoutPeriod.objects.get(pk=period.pk).status == "approving"

    job = rescue(workers, job.pk)

    assert (job.status, job.attempts, job.done, job.total) == ("succeeded", 2, 24, 24), job.message
    period.refresh_from_db()
    assert period.status == "approved"
    expected = twelve_workshops["households"]
    statements = Statement.objects.filter(period=period)
    assert dict(statements.values_list("household_id", "total_fen")) == expected
    assert statements.count() == 24
    payables = LedgerEntry.objects.filter(period=period, kind="household_payable")
    assert dict(payables.values_list("household_id", "amount_fen")) == expected
    assert payables.count() == 24
    charges = LedgerEntry.objects.filter(period=period, kind="merchant_charge")
    assert [c.amount_fen for c in charges] == [sum(expected.values())]
    assert LedgerEntry.objects.filter(period=period).count() == 25
    assert list(period.events.values_list("to_status", flat=True)) == [
        "draft",
        "computing",
        "computed",
        "approving",
        "approved",
    ]


def test_label_sheet_whose_worker_is_killed_is_built_once_by_a_new_worker(workers, db):
    from orders.models import Batch
    from quality.models import LabelSheet
    from quality.services import label_sheet_create
    from tests.quality.factories import make_batch, material_lot

    workshop = make_workshop()
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    codes = [material_lot(batch, 10).code for _ in range(60)]  # two A4 pages of 45
    first = workers.start("first", **SLOW)
    sheet = label_sheet_create(actor=workshop.lead, lot_codes=codes)
    midway = wait_for(job_midway(sheet.job_id), timeout=60, what="the PDF half way", pool=workers)
    workers.kill(first)
    assert 0 < midway.done < 60

    job = rescue(workers, sheet.job_id)

    assert (job.status, job.attempts, job.done, job.total) == ("succeeded", 2, 60, 60), job.message
    assert job.message == ""
    sheet = LabelSheet.objects.get(pk=sheet.pk)
    pdf = Path(sheet.pdf.path).read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2
    assert [p.name for p in (Path(settings.MEDIA_ROOT) / "labels").iterdir()] == [
        Path(sheet.pdf.name).name
    ]
