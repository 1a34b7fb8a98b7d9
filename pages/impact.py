"""The operator's impact figures: who earned, how much per household, where and when.

A read-only view over what the domain apps report: payouts' reporting selector
``payout_impact`` (locked money only, from aggregates kept as periods are approved), trainees'
and workshops' lists.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from accounts.models import User
from payouts.money import fen_to_yuan


@dataclass
class RegionMonth:
    region: str
    month: str
    households: int
    total: Decimal

    @property
    def per_household(self) -> Decimal:
        if not self.households:
            return Decimal("0.00")
        return (self.total / self.households).quantize(Decimal("0.01"))


@dataclass
class Impact:
    households_earning: int
    fees_paid: Decimal
    fees_approved_unpaid: Decimal
    trainees_graduated: int
    trainees_in_training: int
    workshops_active: int
    by_region_month: list[RegionMonth] = field(default_factory=list)


def impact_summary(*, viewer: User) -> Impact:
    from payouts.reporting import payout_impact
    from trainees.selectors import trainee_list
    from workshops.selectors import workshop_list

    payouts = payout_impact(viewer=viewer)
    # One pass over the trainees for both counts (150,000 of them at the programme's scale).
    trainees = (
        trainee_list(viewer=viewer)
        .order_by()
        .aggregate(
            graduated=Count("pk", filter=Q(status="graduated")),
            in_training=Count("pk", filter=Q(status="in_training")),
        )
    )
    return Impact(
        households_earning=payouts.households_earning,
        fees_paid=fen_to_yuan(payouts.paid_fen),
        fees_approved_unpaid=fen_to_yuan(payouts.approved_unpaid_fen),
        trainees_graduated=trainees["graduated"],
        trainees_in_training=trainees["in_training"],
        workshops_active=workshop_list(viewer=viewer, status="active").count(),
        by_region_month=[
            RegionMonth(
                region=row.province or "—",
                month=row.month.strftime("%Y-%m") if row.month else "—",
                households=row.households,
                total=fen_to_yuan(row.total_fen),
            )
            for row in payouts.by_region_month
        ],
    )


def latest_month_by_region(impact: Impact) -> list[tuple[str, Decimal]]:
    months = defaultdict(list)
    for row in impact.by_region_month:
        months[row.month].append(row)
    if not months:
        return []
    latest = max(months)
    return [(row.region, row.per_household) for row in months[latest]]
