"""The operator's impact figures, kept as periods are approved rather than counted per view.

What a locked (approved or paid) period paid never changes, so its share of the figures is
written once, in the transaction that approves it (``impact_record_period``, called from the
approval's finishing step):

- ``ImpactTotals.households_earning``: distinct households with money in any locked period,
  raised by the households of the period that had none before (an indexed lookup per household
  of the period, through the statements' household index);
- ``ImpactMonth``: per month (of the period's ``ends_on``) and province, distinct households and
  their money; the period's month is recounted from its periods' statements (the statements'
  (period, household) index), so two periods ending in one month count a household once.

``payout_impact`` reads those few rows plus the periods' gross per status: its cost does not
grow with statements. ``impact_recount`` is the from-scratch count over every statement (what
the dashboard used to run per view): the data migration and ``impact_rebuild`` fill the tables
from it, and the tests compare the two.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from accounts.permissions import ensure_role

from .models import (
    ImpactMonth,
    ImpactTotals,
    PayoutPeriod,
    PayoutPool,
    PayoutShareConfig,
    Statement,
)
from .money import Share, exact_split, fee_to_units
from .selectors import LOCKED_STATUSES, EarningsByRegionMonth, PayoutImpact

PROVINCE = "household__workshop__organisation__province"


def payout_impact(*, viewer: User) -> PayoutImpact:
    """Households earning and fees paid, overall and per province and month (operators)."""
    ensure_role(viewer, User.Role.OPERATOR)
    gross = dict(
        PayoutPeriod.objects.filter(status__in=LOCKED_STATUSES)
        .values("status")
        .annotate(gross=Sum("gross_fen"))
        .values_list("status", "gross")
    )
    totals = ImpactTotals.objects.filter(pk=1).first()
    return PayoutImpact(
        households_earning=totals.households_earning if totals else 0,
        paid_fen=gross.get(PayoutPeriod.Status.PAID) or 0,
        approved_unpaid_fen=gross.get(PayoutPeriod.Status.APPROVED) or 0,
        by_region_month=[
            EarningsByRegionMonth(
                province=row.province,
                month=row.month,
                households=row.households,
                total_fen=row.total_fen,
            )
            for row in ImpactMonth.objects.order_by("-month", "province")
        ],
    )


def _month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def _month_rows(statements, month: date | None = None) -> list[ImpactMonth]:
    rows = (
        statements.annotate(month=TruncMonth("period__ends_on"))
        .values(PROVINCE, "month")
        .annotate(households=Count("household", distinct=True), total=Sum("total_fen"))
        .order_by("-month", PROVINCE)
    )
    return [
        ImpactMonth(
            month=row["month"] if month is None else month,
            province=row[PROVINCE] or "",
            households=row["households"],
            total_fen=row["total"] or 0,
        )
        for row in rows
    ]


def _earning(statements=None):
    statements = Statement.objects.all() if statements is None else statements
    return statements.filter(period__status__in=LOCKED_STATUSES, total_fen__gt=0)


def _totals_for_update() -> ImpactTotals:
    ImpactTotals.objects.get_or_create(pk=1)
    return ImpactTotals.objects.select_for_update().get(pk=1)


@transaction.atomic
def impact_record_period(*, period_id: int) -> None:
    """Add a period that has just become approved to the impact figures (once per period: the
    approval's finishing step reaches here only in the run that flipped it, in its transaction,
    so a rolled-back approval takes its figures with it)."""
    totals = _totals_for_update()  # first: orders concurrent approvals (see ImpactTotals)
    period = PayoutPeriod.objects.get(pk=period_id)
    earned_before = _earning().filter(household=OuterRef("household_id")).exclude(period=period)
    first_earners = (
        Statement.objects.filter(period=period, total_fen__gt=0)
        .exclude(Exists(earned_before))
        .count()
    )
    if first_earners:
        totals.households_earning += first_earners
        totals.save(update_fields=["households_earning"])
    first, after = _month_bounds(period.ends_on)
    month_periods = PayoutPeriod.objects.filter(
        ends_on__gte=first, ends_on__lt=after, status__in=LOCKED_STATUSES
    ).values_list("pk", flat=True)
    statements = Statement.objects.filter(
        period_id__in=[*month_periods, period.pk], total_fen__gt=0
    )
    ImpactMonth.objects.filter(month=first).delete()
    ImpactMonth.objects.bulk_create(_month_rows(statements, month=first))


def impact_recount() -> tuple[int, list[ImpactMonth]]:
    """The figures counted from scratch over every locked statement (unsaved rows)."""
    earning = _earning()
    return earning.values("household").distinct().count(), _month_rows(earning)


@transaction.atomic
def impact_rebuild() -> None:
    """Rewrite the impact figures from every locked statement (the data migration, a national
    data set written in bulk)."""
    totals = _totals_for_update()
    totals.households_earning, rows = impact_recount()
    totals.save(update_fields=["households_earning"])
    ImpactMonth.objects.all().delete()
    ImpactMonth.objects.bulk_create(rows)


def public_impact() -> tuple[int, int]:
    """For public pages: households that have earned through the platform, and the fees paid
    out (fen) in paid periods. No viewer: these two totals name nobody."""
    totals = ImpactTotals.objects.filter(pk=1).first()
    paid = (
        PayoutPeriod.objects.filter(status=PayoutPeriod.Status.PAID).aggregate(s=Sum("gross_fen"))[
            "s"
        ]
        or 0
    )
    return (totals.households_earning if totals else 0), paid


def households_share(*, order_id: int, workshop_id: int) -> tuple[int, int] | None:
    """What of one workshop's fee pools for one order reached its households, in locked
    periods: (households' fen, the pools' fen); None before any period is locked."""
    pools = PayoutPool.objects.filter(
        order_id=order_id, workshop_id=workshop_id, period__status__in=LOCKED_STATUSES
    ).aggregate(households=Sum("households_fen"), gross=Sum("gross_fen"))
    if not pools["gross"]:
        return None
    return pools["households"], pools["gross"]


def configured_households_share(*, workshop_id: int, fee) -> Decimal | None:
    """The part of a piece's fee its households get under the workshop's share settings (what
    the next period will pay), as a fraction of the fee; None without a fee. The same split as
    compute's (:func:`payouts.money.exact_split`, capping included), on a pool of 100 pieces so
    that a fee in fractions of a fen is a whole number of fen."""
    if not fee:
        return None
    config = PayoutShareConfig.objects.filter(workshop_id=workshop_id).first()
    if config is None:
        return Decimal(1)
    pieces = 100
    pool_fen = fee_to_units(fee)  # 1/100 fen a piece × 100 pieces = fen
    households, lead, center = exact_split(
        pool_fen=pool_fen,
        pieces=pieces,
        lead=Share(config.lead_kind, Decimal(config.lead_value)),
        center=Share(config.center_kind, Decimal(config.center_value)),
    )
    return Decimal(households) / Decimal(households + lead + center)
