from celery import shared_task

from .services import period_compute_run


@shared_task(acks_late=True)
def period_compute_task(period_id: int, job_id: int) -> None:
    """Compute a large period with progress on its job. Idempotent: a run that already
    finished, or was superseded, leaves the period as it is."""
    period_compute_run(period_id=period_id, job_id=job_id)
