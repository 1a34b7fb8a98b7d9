"""A compute or an approval killed at any point is finished by a later run, exactly once.

A worker killed mid-task runs no ``except`` or ``finally``: it is simulated here by a
``BaseException`` raised from the job's progress report, between two committed chunks, which
passes through the services' ``except Exception`` as a kill would. The run after it is the
task sent again (Celery's redelivery, or the jobs reaper).
"""

from datetime import date, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from jobs.models import Job
from payouts import compute, services
from payouts.models import (
    LedgerEntry,
    PayoutClaim,
    PayoutLine,
    PayoutPeriod,
    PayoutPool,
    Statement,
)
from payouts.services import periods
from payouts.tasks import period_compute_task
from tests.factories import make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db

FEE_FEN = 50  # 0.5000 yuan a piece, no shares: a household gets pieces × 50 fen


class WorkerKilled(BaseException):
    """The process died: no ``except Exception`` sees it."""


@pytest.fixture
def four_workshops(db):
    """Four workshops of two households each; household i of the period made 10 + i pieces."""
    order = make_order(fee="0.5000")
    expected: dict[int, int] = {}
    for _ in range(4):
        workshop = make_workshop(with_lead=False)
        for household in make_households(workshop, 2):
            pieces = 10 + len(expected)
            make_outcome(household, order, accepted=pieces)
            expected[household.pk] = pieces * FEE_FEN
    return expected


@pytest.fixture
def small_steps(settings, monkeypatch):
    """One workshop per compute chunk, one household per approval step (on old code too)."""
    settings.PAYOUT_COMPUTE_CHUNK_WORKSHOPS = 1
    settings.PAYOUT_APPROVE_CHUNK_HOUSEHOLDS = 1
    monkeypatch.setattr(compute, "CHUNK_WORKSHOPS", 1)


@pytest.fixture
def queued_tasks(tasks):
    """Tasks sent on commit are kept, not run: the test runs (or kills) them itself."""
    return tasks


def kill_after(monkeypatch, module, done_at: int):
    """Make ``module.job_progress`` kill the worker once ``done`` reaches ``done_at``."""
    real = module.job_progress

    def progress(**kwargs):
        result = real(**kwargs)
        if kwargs["done"] >= done_at:
            raise WorkerKilled
        return result

    monkeypatch.setattr(module, "job_progress", progress)
    return real


def open_period(operator) -> PayoutPeriod:
    return services.period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )


def request_compute(operator, monkeypatch) -> tuple[PayoutPeriod, Job]:
    monkeypatch.setattr(periods, "SYNC_COMPUTE_LIMIT", 0)  # everything goes to the worker
    period, job = services.period_compute_request(
        period_id=open_period(operator).pk, actor=operator
    )
    assert job is not None and period.status == "computing"
    return period, job


def lines_by_household(period: PayoutPeriod) -> dict[int, int]:
    return dict(
        PayoutLine.objects.filter(pool__period=period)
        .values_list("household_id")
        .annotate(total=Sum("amount_fen"))
    )


def assert_computed_once(period: PayoutPeriod, expected: dict[int, int]) -> None:
    period.refresh_from_db()
    assert period.status == "computed"
    assert lines_by_household(period) == expected
    assert PayoutLine.objects.filter(pool__period=period).count() == len(expected)
    assert PayoutPool.objects.filter(period=period).count() == 4
    assert period.gross_fen == sum(expected.values())
    assert PayoutClaim.objects.filter(period=period).count() == len(expected)


# --- hole 13: a compute run again after its worker died -------------------------------------


def test_compute_run_again_after_its_worker_died_mid_way_finishes_once(
    operator, four_workshops, small_steps, queued_tasks, monkeypatch
):
    period, job = request_compute(operator, monkeypatch)
    real = kill_after(monkeypatch, periods, done_at=2)
    with pytest.raises(WorkerKilled):
        period_compute_task(period.pk, job.pk)
    # Killed with two workshops' chunks committed: the period is computing, half written.
    assert PayoutPeriod.objects.get(pk=period.pk).status == "computing"
    assert PayoutPool.objects.filter(period=period).count() == 2

    monkeypatch.setattr(periods, "job_progress", real)
    period_compute_task(period.pk, job.pk)  # Celery delivers the task again

    assert_computed_once(period, four_workshops)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total) == ("succeeded", 2, 4, 4)


def test_compute_run_again_after_it_finished_but_died_before_saying_so_changes_nothing(
    operator, four_workshops, queued_tasks, monkeypatch
):
    period, job = request_compute(operator, monkeypatch)
    monkeypatch.setattr(
        periods, "job_succeed", lambda **kwargs: (_ for _ in ()).throw(WorkerKilled)
    )
    with pytest.raises(WorkerKilled):
        period_compute_task(period.pk, job.pk)
    monkeypatch.undo()
    assert Job.objects.get(pk=job.pk).status == "running"

    period_compute_task(period.pk, job.pk)

    assert_computed_once(period, four_workshops)
    assert Job.objects.get(pk=job.pk).status == "succeeded"


def test_a_run_overtaken_by_a_later_attempt_stops_without_writing(
    operator, four_workshops, queued_tasks, monkeypatch
):
    period, job = request_compute(operator, monkeypatch)
    from jobs.services import job_run_begin

    first = job_run_begin(job_id=job.pk)
    second = job_run_begin(job_id=job.pk)  # the reaper sent it again; a second run began
    with pytest.raises(compute.ComputeSuperseded):
        periods._run_compute(period=period, actor=None, job_id=job.pk, attempt=first)
    assert not PayoutPool.objects.filter(period=period).exists()
    assert Job.objects.get(pk=job.pk).status == "running"  # still the second run's

    periods._run_compute(period=period, actor=None, job_id=job.pk, attempt=second)
    assert_computed_once(period, four_workshops)


# --- hole 14: the heartbeat, the reaper, the retry ------------------------------------------


def stall(job: Job, minutes: int = 10) -> None:
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=minutes))


def test_payout_job_reports_its_total_as_it_runs(
    operator, four_workshops, small_steps, monkeypatch
):
    monkeypatch.setattr(periods, "SYNC_COMPUTE_LIMIT", 0)
    seen: list[tuple[int, int]] = []
    real = periods.job_progress

    def watch(**kwargs):
        result = real(**kwargs)
        job = Job.objects.get(pk=kwargs["job_id"])
        seen.append((job.done, job.total))
        return result

    monkeypatch.setattr(periods, "job_progress", watch)
    period = open_period(operator)
    _period, job = services.period_compute_request(period_id=period.pk, actor=operator)
    period_compute_task(period.pk, job.pk)  # as the worker would, after the commit
    assert seen[-1] == (4, 4)
    assert all(total == 4 for _done, total in seen)
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)


def test_reaper_sends_a_stalled_compute_again_and_it_finishes_once(
    operator,
    four_workshops,
    small_steps,
    queued_tasks,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    period, job = request_compute(operator, monkeypatch)
    real = kill_after(monkeypatch, periods, done_at=2)
    with pytest.raises(WorkerKilled):
        period_compute_task(period.pk, job.pk)
    monkeypatch.setattr(periods, "job_progress", real)
    stall(job)  # the whole worker is gone: no heartbeat for ten minutes

    from jobs.services import jobs_reap_stalled

    with django_capture_on_commit_callbacks(execute=True):
        reaped = jobs_reap_stalled()

    assert reaped == {"requeued": [job.pk], "given_up": []}
    assert_computed_once(period, four_workshops)
    assert Job.objects.get(pk=job.pk).status == "succeeded"


def test_reaper_gives_up_after_the_last_attempt_and_the_period_is_a_draft_again(
    operator, four_workshops, small_steps, queued_tasks, monkeypatch, settings
):
    period, job = request_compute(operator, monkeypatch)
    kill_after(monkeypatch, periods, done_at=2)
    with pytest.raises(WorkerKilled):
        period_compute_task(period.pk, job.pk)
    Job.objects.filter(pk=job.pk).update(attempts=settings.JOB_MAX_ATTEMPTS)
    stall(job)
    from jobs.services import jobs_reap_stalled

    assert jobs_reap_stalled() == {"requeued": [], "given_up": [job.pk]}

    period.refresh_from_db()
    job.refresh_from_db()
    assert (period.status, job.status) == ("draft", "failed")
    assert not PayoutClaim.objects.filter(period=period).exists()
    assert not PayoutPool.objects.filter(period=period).exists()


def test_a_computing_period_whose_job_stalled_can_be_computed_again_at_once(
    operator, four_workshops, small_steps, queued_tasks, monkeypatch
):
    period, job = request_compute(operator, monkeypatch)
    kill_after(monkeypatch, periods, done_at=2)
    with pytest.raises(WorkerKilled):
        period_compute_task(period.pk, job.pk)
    monkeypatch.undo()
    stall(job, minutes=4)  # 4 minutes, not the 30 a request-run compute waits

    recomputed = services.period_compute(period_id=period.pk, actor=operator)

    assert_computed_once(recomputed, four_workshops)
    assert Job.objects.get(pk=job.pk).status == "failed"


# --- hole 11: approval in the background, resumable ----------------------------------------


@pytest.fixture
def computed(operator, four_workshops):
    period = services.period_compute(period_id=open_period(operator).pk, actor=operator)
    assert period.status == "computed"
    return period


def assert_approved_once(period: PayoutPeriod, expected: dict[int, int]) -> None:
    period.refresh_from_db()
    assert period.status == "approved"
    statements = dict(
        Statement.objects.filter(period=period).values_list("household_id", "total_fen")
    )
    assert statements == expected
    payables = dict(
        LedgerEntry.objects.filter(period=period, kind="household_payable").values_list(
            "household_id", "amount_fen"
        )
    )
    assert payables == expected
    assert LedgerEntry.objects.filter(period=period, kind="household_payable").count() == len(
        expected
    )
    charges = LedgerEntry.objects.filter(period=period, kind="merchant_charge")
    assert charges.count() == 1 and charges.get().amount_fen == sum(expected.values())


def test_approve_answers_202_with_a_job_and_the_period_is_approving_until_it_is_done(
    api, operator, computed, four_workshops, queued_tasks
):
    response = api.as_user(operator).post(f"/payouts/periods/{computed.pk}/approve")

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["status_label"]) == ("approving", "审核中")
    assert body["task_url"] == f"/api/v1/tasks/{body['task_id']}"
    task = api.get(f"/tasks/{body['task_id']}").json()
    assert (task["kind"], task["status"], task["total"]) == ("payout_approval", "pending", 8)
    assert api.get(f"/payouts/periods/{computed.pk}").json()["status"] == "approving"
    assert not Statement.objects.exists()

    assert queued_tasks.run() == 2  # the worker runs it; its commit tells the leads

    task = api.get(f"/tasks/{body['task_id']}").json()
    assert (task["status"], task["done"], task["total"], task["percent"]) == (
        "succeeded",
        8,
        8,
        100,
    )
    assert api.get(f"/payouts/periods/{computed.pk}").json()["status"] == "approved"
    assert_approved_once(computed, four_workshops)


def test_approve_sent_twice_while_approving_gets_the_same_job(
    api, operator, computed, queued_tasks
):
    first = api.as_user(operator).post(f"/payouts/periods/{computed.pk}/approve").json()
    again = api.post(f"/payouts/periods/{computed.pk}/approve")
    assert again.status_code == 202
    assert again.json()["task_id"] == first["task_id"]
    assert Job.objects.filter(kind="payout_approval").count() == 1


def test_approval_run_again_after_its_worker_died_mid_way_writes_everything_once(
    operator, computed, four_workshops, small_steps, queued_tasks, monkeypatch
):
    from payouts.services import approval
    from payouts.tasks import period_approve_task

    period, job = services.period_approve_request(period_id=computed.pk, actor=operator)
    real = kill_after(monkeypatch, approval, done_at=3)
    with pytest.raises(WorkerKilled):
        period_approve_task(period.pk, job.pk)
    assert Statement.objects.filter(period=period).count() == 3
    assert PayoutPeriod.objects.get(pk=period.pk).status == "approving"

    monkeypatch.setattr(approval, "job_progress", real)
    period_approve_task(period.pk, job.pk)

    assert_approved_once(period, four_workshops)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total) == ("succeeded", 2, 8, 8)


def test_a_failed_approval_is_retried_by_a_new_job_that_goes_on_from_where_it_stopped(
    api, operator, computed, four_workshops, small_steps, queued_tasks, monkeypatch
):
    from payouts.services import approval
    from payouts.tasks import period_approve_task

    period, job = services.period_approve_request(period_id=computed.pk, actor=operator)
    real = approval.statements_issue
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(approval, "statements_issue", flaky)
    with pytest.raises(RuntimeError):
        period_approve_task(period.pk, job.pk)
    job.refresh_from_db()
    assert (job.status, PayoutPeriod.objects.get(pk=period.pk).status) == ("failed", "approving")
    assert Statement.objects.filter(period=period).count() == 4

    response = api.as_user(operator).post(f"/payouts/periods/{period.pk}/approve")  # retry
    assert response.status_code == 202
    retry_id = response.json()["task_id"]
    assert retry_id != job.pk
    # the first job's delivery (now a no-op: its job failed), the retry's, and the notices
    assert queued_tasks.run() == 3

    assert_approved_once(period, four_workshops)
    assert Job.objects.get(pk=retry_id).status == "succeeded"


def test_an_approving_period_refuses_recompute_and_adjustments(operator, computed, queued_tasks):
    services.period_approve_request(period_id=computed.pk, actor=operator)
    household_id = PayoutLine.objects.filter(pool__period=computed).first().household_id
    with pytest.raises(services.PeriodNotComputable):
        services.period_compute(period_id=computed.pk, actor=operator)
    with pytest.raises(services.PeriodLocked):
        services.adjustment_create(
            actor=operator,
            period_id=computed.pk,
            household_id=household_id,
            kind="bonus",
            amount="1.00",
            reason="奖励",
        )


def test_period_page_shows_the_approval_progress_then_a_retry_when_its_worker_is_lost(
    client, operator, computed, queued_tasks
):
    period, job = services.period_approve_request(period_id=computed.pk, actor=operator)
    Job.objects.filter(pk=job.pk).update(
        status="running", done=3, total=8, heartbeat_at=timezone.now()
    )
    client.force_login(operator)
    page = client.get(f"/ops/payouts/{period.pk}/").content.decode()
    assert "审核中… 37%" in page and 'hx-trigger="every 2s"' in page

    stall(job)
    page = client.get(f"/ops/payouts/{period.pk}/").content.decode()
    assert "重试审核" in page and "every 2s" not in page
