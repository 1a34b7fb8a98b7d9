"""payout.approved: to each merchant charged in the period, what it owes, per order (the same
pools as its statement), once the approval commits."""

from django.db.models import Sum

from integrations.events import (
    PAYOUT_APPROVED,
    PayoutApprovedData,
    PayoutOrderLine,
    webhook_event_emit,
    webhook_subscribers,
)

from .models import PayoutPeriod, PayoutPool
from .money import fen_to_yuan


def emit_payout_approved(*, period: PayoutPeriod) -> None:
    """Inside the approval's last step: only merchants with an endpoint for the event get one
    (two small reads; nothing is sent before the approval commits)."""
    merchants = set(
        PayoutPool.objects.filter(period_id=period.pk).values_list("merchant_id", flat=True)
    )
    subscribed = webhook_subscribers(event=PAYOUT_APPROVED, merchant_ids=merchants)
    if not subscribed:
        return
    rows = (
        PayoutPool.objects.filter(period_id=period.pk, merchant_id__in=subscribed)
        .values("merchant_id", "order_id")
        .annotate(pieces=Sum("pieces"), rework=Sum("rework_pieces"), fen=Sum("gross_fen"))
        .order_by("merchant_id", "order_id")
    )
    by_merchant: dict[int, list[dict]] = {}
    for row in rows:
        by_merchant.setdefault(row["merchant_id"], []).append(row)
    for merchant_id, orders in by_merchant.items():
        webhook_event_emit(
            merchant_id=merchant_id,
            event=PAYOUT_APPROVED,
            data=PayoutApprovedData(
                period_id=period.pk,
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                approved_at=period.approved_at,
                owed=str(fen_to_yuan(sum(row["fen"] for row in orders))),
                orders=[
                    PayoutOrderLine(
                        order_id=row["order_id"],
                        accepted_pieces=row["pieces"] + row["rework"],
                        owed=str(fen_to_yuan(row["fen"])),
                    )
                    for row in orders
                ],
            ),
        )
