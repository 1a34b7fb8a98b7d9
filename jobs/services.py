"""Background jobs with progress. A service that starts long work does:

    job = job_create(kind="label_sheet", created_by=user, total=len(codes))
    transaction.on_commit(lambda: label_sheet_task.delay(job.pk, ...))

and the task reports with ``job_start``, ``job_progress`` (cheap, throttled by the caller),
then ``job_succeed`` or ``job_fail``. ``GET /api/v1/tasks/{id}`` reads it.
"""

from typing import Any

from django.utils import timezone

from accounts.models import User

from .models import Job


def job_create(*, kind: str, created_by: User, total: int = 0, message: str = "") -> Job:
    return Job.objects.create(kind=kind, created_by=created_by, total=total, message=message)


def job_start(*, job_id: int, total: int | None = None) -> None:
    changes: dict[str, Any] = {"status": Job.Status.RUNNING, "started_at": timezone.now()}
    if total is not None:
        changes["total"] = total
    Job.objects.filter(pk=job_id).update(**changes)


def job_progress(*, job_id: int, done: int, message: str | None = None) -> None:
    changes: dict[str, Any] = {"done": done}
    if message is not None:
        changes["message"] = message[:200]
    # Tasks call this outside their own transactions so that readers see progress as it runs.
    Job.objects.filter(pk=job_id).update(**changes)


def job_succeed(*, job_id: int, result: dict[str, Any] | None = None) -> None:
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.SUCCEEDED,
        done=job.total or job.done,
        result=result or {},
        finished_at=timezone.now(),
    )


def job_fail(*, job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, message=message[:200], finished_at=timezone.now()
    )
