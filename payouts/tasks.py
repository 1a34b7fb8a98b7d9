from celery import shared_task

from .services import period_approve_run, period_compute_run
from .services.notices import payout_ready_notify


@shared_task(acks_late=True)
def period_compute_task(period_id: int, job_id: int) -> None:
    """Compute a large period with progress on its job. Safe to run again from any point: a run
    after a crash goes on from what earlier runs committed; one after the end changes nothing."""
    period_compute_run(period_id=period_id, job_id=job_id)


@shared_task(acks_late=True)
def period_approve_task(period_id: int, job_id: int) -> None:
    """Approve a period (ledger, statements, lock) with progress on its job. Safe to run again
    from any point: households already written are skipped, the lock is set once."""
    period_approve_run(period_id=period_id, job_id=job_id)


@shared_task(acks_late=True)
def payout_ready_notify_task(period_id: int) -> None:
    """Tell the leads of an approved period (sent once, when the approval commits). Delivered
    twice, it tells nobody twice: a lead already told of this period is skipped."""
    payout_ready_notify(period_id=period_id)
