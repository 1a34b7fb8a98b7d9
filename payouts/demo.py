"""Demo payouts: a paid period for one workshop and an approved one for everyone else, each
with statements, from the pieces the quality demo accepted. Skips quietly if there are none."""

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.demo import DemoContext
from quality.models import PieceOutcome

from .models import HouseholdPayment, PayoutPeriod, ShareKind, Statement
from .selectors import statement_get
from .services import (
    adjustment_create,
    period_approve,
    period_compute,
    period_create,
    period_mark_paid,
    share_config_set,
)


def seed(ctx: DemoContext) -> None:
    operator = ctx.users.get("operator")
    decided = PieceOutcome.objects.filter(accepted__gt=0)
    if operator is None or not decided.exists():
        return
    by_workshop = list(
        decided.values("lot__workshop_id")
        .annotate(pieces=Sum("accepted"), households=Count("household", distinct=True))
        .order_by("-pieces")
    )
    for row in by_workshop:
        share_config_set(
            actor=operator,
            workshop_id=row["lot__workshop_id"],
            lead_kind=ShareKind.PERCENT,
            lead_value=Decimal("5"),
            center_kind=ShareKind.PER_PIECE,
            center_value=Decimal("0.0200"),
        )
    today = timezone.localdate()
    first_day = min(
        timezone.localtime(decided.order_by("decided_at").first().decided_at).date(),
        today.replace(day=1),
    )
    month = f"{today:%Y年%m月}"

    # 1. The busiest workshop's period: approved and paid.
    busiest = by_workshop[0]["lot__workshop_id"]
    paid = period_create(
        actor=operator,
        name=f"{month}加工费（首个工坊）",
        starts_on=first_day,
        ends_on=today,
        scope=PayoutPeriod.Scope.WORKSHOP,
        workshop_id=busiest,
    )
    period_compute(period_id=paid.pk, actor=operator)
    period_approve(period_id=paid.pk, actor=operator)
    period_mark_paid(period_id=paid.pk, actor=operator, payment_reference=f"WX{today:%Y%m%d}001")

    # 2. Everyone else's pieces: computed, one bonus with its reason, approved (not yet paid).
    rest = period_create(actor=operator, name=f"{month}加工费", starts_on=first_day, ends_on=today)
    rest = period_compute(period_id=rest.pk, actor=operator)
    other = decided.exclude(lot__workshop_id=busiest).values_list("household_id", flat=True)
    household_id = other.first()
    if household_id is not None:
        adjustment_create(
            actor=operator,
            period_id=rest.pk,
            household_id=household_id,
            kind="bonus",
            amount="20.00",
            reason="连续三批免检合格奖励",
            corrects_period_id=None,
        )
    period_approve(period_id=rest.pk, actor=operator)
    ctx.objects["payout_periods"] = {"paid": paid.pk, "approved": rest.pk}


def logins_note() -> list[str]:
    """Printed under the demo's logins: a household's statement link (households have no
    login; the link or its QR on paper is theirs)."""
    statement = Statement.objects.order_by("pk").first()
    if statement is None:
        return []
    detail = statement_get(token=statement.token)
    lines = [f"农户结算单 Household statement ({detail.household_name}): {detail.url}"]
    # A paid household's passbook (pages/passbook.py) and its factor: the phone's last four.
    payment = HouseholdPayment.objects.select_related("household").order_by("pk").first()
    if payment is not None and len(payment.household.phone) >= 7:
        household = payment.household
        lines.append(
            f"农户存折 Household passbook ({household.name}): "
            f"{settings.SITE_URL}{reverse('pages:passbook', args=[household.card_code])} "
            f"（手机尾号 phone's last four: {household.phone[-4:]}）"
        )
    return lines
