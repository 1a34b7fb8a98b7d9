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
