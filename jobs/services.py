"""Background jobs with progress, written to survive their worker. A service that starts long
work does, inside its transaction:

    job = job_create(kind="label_sheet", created_by=user, total=len(codes))
    job_enqueue(job=job, task="quality.tasks.label_sheet_task", args=[sheet.pk])

``job_enqueue`` records the task on the job and sends it once the transaction commits. The task
then calls ``job_run_begin`` (its attempt number, or None: nothing to do), reports with
``job_progress`` (which is also the run's heartbeat) and ends with ``job_succeed`` or
``job_fail``. ``GET /api/v1/tasks/{id}`` reads it.

A crash loses nothing and doubles nothing:

- Celery sends a task again when its worker dies (late ack, reject on worker lost), and the
  reaper (``jobs_reap_stalled``, every minute from beat) sends it again when a running job's
  heartbeat stops for ``JOB_STALLED_AFTER`` (a whole worker lost: Redis would only hand its
  message out again after the visibility timeout, hours later). So a task runs again from
  any point, and must finish the work exactly once: each step is its own transaction and skips
  what an earlier run committed (see payouts' compute and approval).
- Every run that starts counts an attempt; a run whose heartbeat finds a later attempt has
  begun stops (``job_progress`` answers False). After ``JOB_MAX_ATTEMPTS`` runs the job is given
  up: failed, and its kind's ``on_give_up`` (``jobs.registry``) puts the owning object back in a
  state an operator can retry from.
- Ending is guarded: a job is marked succeeded or failed once, from pending or running.
"""

import logging
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Job
from .registry import job_kind_get

log = logging.getLogger("shouchuang.jobs")

OPEN = (Job.Status.PENDING, Job.Status.RUNNING)


def job_create(*, kind: str, created_by: User, total: int = 0, message: str = "") -> Job:
    return Job.objects.create(kind=kind, created_by=created_by, total=total, message=message)


def _send(task: str, args: list[Any]) -> None:
    # By name: jobs may not import the apps whose tasks it runs. A signature resolves to the
    # registered task, so eager mode (no broker) runs it in-process as ``.delay`` would.
    from celery import current_app

    if task not in current_app.tasks:
        # A web process has not imported the apps' tasks modules: Celery's autodiscovery does.
        current_app.loader.import_default_modules()
    current_app.signature(task, args=list(args)).apply_async()


def job_enqueue(*, job: Job, task: str, args: list[Any]) -> None:
    """Record the task that runs ``job`` and send it when the current transaction commits."""
    Job.objects.filter(pk=job.pk).update(task_name=task, task_args=list(args))
    job.task_name, job.task_args = task, list(args)
    transaction.on_commit(partial(_send, task, list(args)))


def job_run_begin(*, job_id: int) -> int | None:
    """A run of the job starts: its attempt number, or None when there is nothing to run (the
    job already ended, or this run is one too many and the job is given up now)."""
    now = timezone.now()
    won = Job.objects.filter(pk=job_id, status__in=OPEN).update(
        status=Job.Status.RUNNING,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        started_at=Coalesce("started_at", Value(now, output_field=DateTimeField())),
        message="",
    )
    if not won:
        return None
    attempt = Job.objects.values_list("attempts", flat=True).get(pk=job_id)
    if attempt > settings.JOB_MAX_ATTEMPTS:
        job_give_up(
            job_id=job_id,
            message=_("已尝试 %(n)d 次仍未完成，已停止。") % {"n": attempt - 1},
        )
        return None
    if attempt > 1:
        Job.objects.filter(pk=job_id, attempts=attempt).update(
            message=_("第 %(n)d 次尝试（上一次的工作进程中断）") % {"n": attempt}
        )
    return attempt


def job_start(*, job_id: int, total: int | None = None) -> None:
    """Mark a job running (for work that does not resume; see ``job_run_begin``)."""
    now = timezone.now()
    changes: dict[str, Any] = {
        "status": Job.Status.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "message": "",
    }
    if total is not None:
        changes["total"] = total
    Job.objects.filter(pk=job_id).update(**changes)


def job_progress(
    *,
    job_id: int,
    done: int,
    total: int | None = None,
    message: str | None = None,
    attempt: int | None = None,
) -> bool:
    """Report progress; it is also the run's heartbeat. False: the job is no longer this run's
    (it ended, or a later attempt began), and the run should stop."""
    changes: dict[str, Any] = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        changes["total"] = total
    if message is not None:
        changes["message"] = message[:200]
    jobs = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING)
    if attempt is not None:
        jobs = jobs.filter(attempts=attempt)
    # Tasks call this outside their own transactions so that readers see progress as it runs.
    ours = bool(jobs.update(**changes))
    if settings.JOB_STEP_DELAY:
        time.sleep(settings.JOB_STEP_DELAY)  # fault tests only: time to kill a worker mid-way
    return ours


def job_succeed(*, job_id: int, result: dict[str, Any] | None = None, message: str = "") -> bool:
    """Mark the job succeeded (once: False if it had already ended)."""
    return bool(
        Job.objects.filter(pk=job_id, status__in=OPEN).update(
            status=Job.Status.SUCCEEDED,
            done=Case(When(total__gt=0, then=F("total")), default=F("done")),
            result=result or {},
            message=message[:200],
            heartbeat_at=timezone.now(),
            finished_at=timezone.now(),
        )
    )


def job_fail(*, job_id: int, message: str) -> bool:
    """Mark the job failed (once: False if it had already ended)."""
    return bool(
        Job.objects.filter(pk=job_id, status__in=OPEN).update(
            status=Job.Status.FAILED, message=message[:200], finished_at=timezone.now()
        )
    )


@transaction.atomic
def job_give_up(*, job_id: int, message: str) -> bool:
    """Fail a job whose runs are lost, and let its kind restore what it owns (one transaction)."""
    job = Job.objects.select_for_update().filter(pk=job_id, status__in=OPEN).first()
    if job is None:
        return False
    job_fail(job_id=job_id, message=message)
    kind = job_kind_get(job.kind)
    if kind is not None and kind.on_give_up is not None:
        kind.on_give_up(job_id)
    log.warning("job %s (%s) given up: %s", job_id, job.kind, message)
    return True


def jobs_reap_stalled() -> dict[str, list[int]]:
    """Find running jobs whose heartbeat stopped; send each one's task again, or give it up
    after ``JOB_MAX_ATTEMPTS`` runs. Jobs that did not record their task are left alone."""
    now = timezone.now()
    cutoff = now - settings.JOB_STALLED_AFTER
    stalled = (
        Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
        .exclude(task_name="")
        .order_by("heartbeat_at")
        .values_list("pk", flat=True)[:200]
    )
    requeued: list[int] = []
    given_up: list[int] = []
    for job_id in list(stalled):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
                .first()
            )
            if job is None:
                continue
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                job_give_up(
                    job_id=job_id,
                    message=_("工作进程失联，已尝试 %(n)d 次，已停止。") % {"n": job.attempts},
                )
                given_up.append(job_id)
                continue
            # The new heartbeat keeps the next sweep from sending it again while it waits.
            Job.objects.filter(pk=job_id).update(
                heartbeat_at=now, message=_("工作进程失联，已重新排队。")
            )
            transaction.on_commit(partial(_send, job.task_name, job.task_args))
            requeued.append(job_id)
    if requeued or given_up:
        log.warning("stalled jobs: requeued %s, given up %s", requeued, given_up)
    return {"requeued": requeued, "given_up": given_up}
