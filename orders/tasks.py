"""Background work for orders: claim expiry and unused form photos (Celery beat), and notices
of new batches."""

from celery import shared_task

from .services import batch_claims_expire, order_published_notify_leads, pending_photos_purge


@shared_task
def batch_claims_expire_task() -> list[int]:
    """Beat, every 30 minutes: reopen claims whose materials never arrived (idempotent)."""
    return batch_claims_expire()


@shared_task
def order_published_notify_task(order_id: int) -> int:
    """Tell leads whose workshops fit the new order's batches. Sent after the publish commits."""
    return order_published_notify_leads(order_id=order_id)


@shared_task
def pending_photos_purge_task() -> int:
    """Beat, hourly: delete sample photos kept for an order form nobody sent again (idempotent)."""
    return pending_photos_purge()
