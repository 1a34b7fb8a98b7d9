"""Locked money for the impact pages and order summaries: households earning and fees paid per
province and month, and fees settled per order (approved or paid periods only).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Sum

from accounts.models import User
from accounts.permissions import ensure_role

from ..models import PayoutPeriod, PayoutPool, Statement
from ._common import LOCKED_STATUSES


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


def payout_impact(*, viewer: User) -> PayoutImpact:
    """Households earning and fees paid, overall and per province and month (operators)."""
    from django.db.models.functions import TruncMonth

    ensure_role(viewer, User.Role.OPERATOR)
    statements = Statement.objects.filter(period__status__in=LOCKED_STATUSES, total_fen__gt=0)
    gross = dict(
        PayoutPeriod.objects.filter(status__in=LOCKED_STATUSES)
        .values("status")
        .annotate(gross=Sum("gross_fen"))
        .values_list("status", "gross")
    )
    rows = (
        statements.annotate(month=TruncMonth("period__ends_on"))
        .values("household__workshop__organisation__province", "month")
        .annotate(households=Count("household", distinct=True), total=Sum("total_fen"))
        .order_by("-month", "household__workshop__organisation__province")
    )
    return PayoutImpact(
        households_earning=statements.values("household").distinct().count(),
        paid_fen=gross.get(PayoutPeriod.Status.PAID) or 0,
        approved_unpaid_fen=gross.get(PayoutPeriod.Status.APPROVED) or 0,
        by_region_month=[
            EarningsByRegionMonth(
                province=row["household__workshop__organisation__province"] or "",
                month=row["month"],
                households=row["households"],
                total_fen=row["total"] or 0,
            )
            for row in rows
        ],
    )


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
