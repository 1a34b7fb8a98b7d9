from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_operator
from core.errors import NotFound

from .models import Job


def job_get(*, viewer: User, job_id: int) -> Job:
    """A job is visible to the person who started it, and to operators."""
    jobs = Job.objects.all() if is_operator(viewer) else Job.objects.filter(created_by=viewer)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound(code="task_not_found")
    return job


def job_is_stalled(job: Job) -> bool:
    """Waiting or running, but without a sign of life for ``JOB_STALLED_AFTER``: its worker is
    gone (or its message was lost), and the work it owns may be taken over."""
    if job.is_finished:
        return False
    last_sign = job.heartbeat_at or job.created_at
    return last_sign < timezone.now() - settings.JOB_STALLED_AFTER
