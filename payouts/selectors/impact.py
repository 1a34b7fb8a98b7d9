"""Locked money for the impact pages and order summaries: the shapes of the impact figures
(``payouts.reporting`` keeps and reads them) and fees settled per order (approved or paid
periods only).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from ..models import PayoutPeriod, PayoutPool


@dataclass
class EarningsByRegionMonth:
    province: str
    month: date | None
    households: int
    total_fen: int


@dataclass
class PayoutImpact:
    """Locked money only: a computed but unapproved period does not count yet."""

    households_earning: int
    paid_fen: int
    approved_unpaid_fen: int
    by_region_month: list[EarningsByRegionMonth]


def fees_settled_by_order(order_ids: list[int]) -> dict[int, int]:
    """Fees of approved or paid periods per order, in fen (the pools' gross: households, lead
    and center together); what an order's completion summary shows as paid."""
    rows = (
        PayoutPool.objects.filter(
            order_id__in=list(order_ids),
            period__status__in=[PayoutPeriod.Status.APPROVED, PayoutPeriod.Status.PAID],
        )
        .values("order_id")
        .annotate(total=Sum("gross_fen"))
        .values_list("order_id", "total")
    )
    return {order_id: total or 0 for order_id, total in rows}
