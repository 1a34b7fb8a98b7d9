"""Background work for webhooks: one task per delivery attempt, and beat's sweep of due ones."""

from celery import shared_task

from .webhooks import webhook_deliveries_due, webhook_delivery_attempt


@shared_task
def webhook_deliver_task(delivery_id: int) -> str:
    """Attempt one delivery if it is due; run twice or killed half way, it sends nothing twice
    that it has recorded (the row's conditional claim decides)."""
    return webhook_delivery_attempt(delivery_id=delivery_id).status


@shared_task
def webhook_deliveries_sweep_task() -> int:
    """Beat, every minute: send the deliveries that are due (a retry whose countdown was lost,
    an attempt whose worker died)."""
    due = webhook_deliveries_due()
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    return len(due)
