"""The background run of smart allocation."""

from celery import shared_task


# Named as it was registered when it lived in orders, so runs queued before the move still run.
@shared_task(name="orders.allocation_tasks.allocation_run_task")
def allocation_run_task(run_id: int) -> str:
    """Execute one allocation run; a run already executed is left alone (idempotent)."""
    from .services import allocation_run_execute

    return allocation_run_execute(run_id=run_id).status
