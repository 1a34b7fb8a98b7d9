from celery import shared_task

from .services import jobs_reap_stalled


@shared_task
def jobs_reap_stalled_task() -> dict[str, list[int]]:
    """Beat, every minute: re-send or give up running jobs whose worker died. Idempotent: a job
    just handled has a fresh heartbeat (or has ended) and is not handled again."""
    return jobs_reap_stalled()
