from celery import shared_task

from .services import api_token_purge_expired


@shared_task
def api_token_purge_expired_task() -> int:
    """Idempotent: deleting what is already gone deletes nothing."""
    return api_token_purge_expired()
