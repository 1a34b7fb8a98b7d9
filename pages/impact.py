"""The operator's impact figures: who earned, how much per household, where and when.

A read-only reporting view over what the domain apps recorded. Trainees are counted through
trainees' selectors; payout figures come from approved statements (locked money: a computed
but unapproved period does not count yet). Payouts has no reporting selector of its own yet,
so the aggregate reads of its tables live here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from accounts.permissions import ensure_role

APPROVED = ("approved", "paid")


@dataclass
class RegionMonth:
    region: str
    month: str
    households: int
    total: Decimal

    @property
    def per_household(self) -> Decimal:
        return (self.total / self.households).quantize(Decimal("0.01")) if self.households else 0


@dataclass
class Impact:
    households_earning: int
    fees_paid: Decimal
    fees_approved_unpaid: Decimal
    trainees_graduated: int
    trainees_in_training: int
    workshops_active: int
    by_region_month: list[RegionMonth] = field(default_factory=list)


def _yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def impact_summary(*, viewer: User) -> Impact:
    ensure_role(viewer, User.Role.OPERATOR)
    from payouts.models import PayoutPeriod, Statement
    from trainees.selectors import trainee_list
    from workshops.selectors import workshop_list

    statements = Statement.objects.filter(period__status__in=APPROVED, total_fen__gt=0)
    periods = (
        PayoutPeriod.objects.filter(status__in=APPROVED)
        .values("status")
        .annotate(gross=Sum("gross_fen"))
    )
    gross = {row["status"]: row["gross"] for row in periods}
    rows = (
        statements.annotate(month=TruncMonth("period__ends_on"))
        .values("household__workshop__organisation__province", "month")
        .annotate(households=Count("household", distinct=True), total=Sum("total_fen"))
        .order_by("-month", "household__workshop__organisation__province")
    )
    by_region_month = [
        RegionMonth(
            region=row["household__workshop__organisation__province"] or "—",
            month=row["month"].strftime("%Y-%m") if row["month"] else "—",
            households=row["households"],
            total=_yuan(row["total"]),
        )
        for row in rows
    ]
    return Impact(
        households_earning=statements.values("household").distinct().count(),
        fees_paid=_yuan(gross.get("paid")),
        fees_approved_unpaid=_yuan(gross.get("approved")),
        trainees_graduated=trainee_list(viewer=viewer, status="graduated").count(),
        trainees_in_training=trainee_list(viewer=viewer, status="in_training").count(),
        workshops_active=workshop_list(viewer=viewer, status="active").count(),
        by_region_month=by_region_month,
    )


def latest_month_by_region(impact: Impact) -> list[tuple[str, Decimal]]:
    months = defaultdict(list)
    for row in impact.by_region_month:
        months[row.month].append(row)
    if not months:
        return []
    latest = max(months)
    return [(row.region, row.per_household) for row in months[latest]]
