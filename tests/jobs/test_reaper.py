"""Jobs survive their worker: attempts, the heartbeat, the reaper that sends a lost job again
or gives it up, and the registry through which the owning app restores what the job held."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import registry, services
from jobs.models import Job
from jobs.services import (
    job_create,
    job_enqueue,
    job_progress,
    job_run_begin,
    job_succeed,
    jobs_reap_stalled,
)

pytestmark = pytest.mark.django_db

TASK = "tests.some_task"


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list]]:
    """Tasks the reaper (or job_enqueue) sent, by name and arguments."""
    calls: list[tuple[str, list]] = []
    monkeypatch.setattr(services, "_send", lambda task, args: calls.append((task, args)))
    return calls


def running_job(operator, *, beat_minutes_ago: int, attempts: int = 1) -> Job:
    job = job_create(kind="test_kind", created_by=operator, total=10)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        attempts=attempts,
        task_name=TASK,
        task_args=[7, job.pk],
        heartbeat_at=timezone.now() - timedelta(minutes=beat_minutes_ago),
    )
    return job


def test_enqueue_records_the_task_and_sends_it_on_commit(
    operator, sent, django_capture_on_commit_callbacks
):
    job = job_create(kind="test_kind", created_by=operator)
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(job=job, task=TASK, args=[7, job.pk])
        assert sent == []  # not before the commit
    assert sent == [(TASK, [7, job.pk])]
    job.refresh_from_db()
    assert (job.task_name, job.task_args) == (TASK, [7, job.pk])


def test_a_running_job_whose_heartbeat_stopped_is_sent_again(
    operator, sent, django_capture_on_commit_callbacks
):
    job = running_job(operator, beat_minutes_ago=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap_stalled() == {"requeued": [job.pk], "given_up": []}
    assert sent == [(TASK, [7, job.pk])]
    job.refresh_from_db()
    assert job.status == "running"
    assert job.heartbeat_at > timezone.now() - timedelta(minutes=1)  # not again next minute
    assert job.message == "工作进程失联，已重新排队。"


def test_a_job_that_beats_is_left_alone(operator, sent):
    job = running_job(operator, beat_minutes_ago=1)
    assert jobs_reap_stalled() == {"requeued": [], "given_up": []}
    assert Job.objects.get(pk=job.pk).status == "running"


def test_a_job_that_did_not_record_its_task_is_left_alone(operator, sent):
    job = running_job(operator, beat_minutes_ago=10)
    Job.objects.filter(pk=job.pk).update(task_name="")
    assert jobs_reap_stalled() == {"requeued": [], "given_up": []}


def test_after_the_last_attempt_the_job_is_given_up_and_its_owner_restored(
    operator, sent, settings, monkeypatch
):
    restored: list[int] = []
    monkeypatch.setattr(registry, "_kinds", {})
    registry.job_kind_register("test_kind", on_give_up=restored.append)
    job = running_job(operator, beat_minutes_ago=10, attempts=settings.JOB_MAX_ATTEMPTS)

    assert jobs_reap_stalled() == {"requeued": [], "given_up": [job.pk]}

    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "已尝试 3 次" in job.message
    assert restored == [job.pk] and sent == []


def test_each_run_counts_an_attempt_and_one_too_many_gives_the_job_up(
    operator, settings, monkeypatch
):
    restored: list[int] = []
    monkeypatch.setattr(registry, "_kinds", {})
    registry.job_kind_register("test_kind", on_give_up=restored.append)
    settings.JOB_MAX_ATTEMPTS = 2
    job = job_create(kind="test_kind", created_by=operator)
    assert job_run_begin(job_id=job.pk) == 1
    assert job_run_begin(job_id=job.pk) == 2  # Celery delivered it again after a crash
    assert Job.objects.get(pk=job.pk).message == "第 2 次尝试（上一次的工作进程中断）"
    assert job_run_begin(job_id=job.pk) is None  # a task that kills its worker every time
    assert Job.objects.get(pk=job.pk).status == "failed"
    assert restored == [job.pk]


def test_a_run_overtaken_by_a_later_attempt_is_told_to_stop(operator):
    job = job_create(kind="test_kind", created_by=operator, total=10)
    first = job_run_begin(job_id=job.pk)
    second = job_run_begin(job_id=job.pk)
    assert job_progress(job_id=job.pk, done=3, attempt=first) is False
    assert job_progress(job_id=job.pk, done=4, attempt=second) is True
    assert Job.objects.get(pk=job.pk).done == 4


def test_a_finished_job_is_not_begun_again_nor_succeeded_twice(operator):
    job = job_create(kind="test_kind", created_by=operator, total=10)
    job_run_begin(job_id=job.pk)
    assert job_succeed(job_id=job.pk, result={"n": 1}) is True
    finished_at = Job.objects.get(pk=job.pk).finished_at
    assert job_run_begin(job_id=job.pk) is None
    assert job_succeed(job_id=job.pk, result={"n": 2}) is False
    job.refresh_from_db()
    assert (job.result, job.finished_at, job.attempts) == ({"n": 1}, finished_at, 1)


def test_progress_is_the_heartbeat_and_the_task_api_shows_it(api, operator):
    job = job_create(kind="test_kind", created_by=operator, total=10)
    job_run_begin(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    job_progress(job_id=job.pk, done=5)
    body = api.as_user(operator).get(f"/tasks/{job.pk}").json()
    assert (body["attempts"], body["percent"]) == (1, 50)
    heartbeat = Job.objects.get(pk=job.pk).heartbeat_at
    assert heartbeat > timezone.now() - timedelta(minutes=1)


def test_beat_runs_the_reaper_every_minute(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["reap-stalled-jobs"]
    assert entry == {
        "task": "jobs.tasks.jobs_reap_stalled_task",
        "schedule": timedelta(minutes=1),
    }
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert settings.JOB_STALLED_AFTER == timedelta(minutes=3)
