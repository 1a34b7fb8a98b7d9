"""The background run of smart allocation (imported by orders/tasks.py for autodiscovery)."""

from celery import shared_task


@shared_task
def allocation_run_task(run_id: int) -> str:
    """Execute one allocation run; a run already executed is left alone (idempotent)."""
    from .allocation_services import allocation_run_execute

    return allocation_run_execute(run_id=run_id).status
