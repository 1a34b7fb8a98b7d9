"""Background work of the workshops app."""

from celery import shared_task

from .services import household_imports_expire


@shared_task
def roster_previews_expire_task() -> int:
    """Expire roster previews left unconfirmed (one guarded UPDATE: safe to kill and re-run)."""
    return household_imports_expire()
