"""What a compute adds after the lines: premiums by rule, then advance recoveries.

Both run in the compute's finishing transaction (``services.periods._compute_finish``), which
holds the period row's lock, after every chunk's lines are in:

1. **premiums** (``compute_premiums``): for every order of the period with an
   ``OrderPremiumRule``, per (workshop, order, household) of the claimed outcomes:
   - *first pass* (一次检验合格奖): pieces accepted in a lot's first-round inspection that
     accepted the lot (``Inspection.round == 1``, verdict accepted, not rework). Pieces of a lot
     rejected and then sorted, or accepted only after rework, earn none;
   - *on time* (按期交货奖): pieces accepted (any round, rework included) by the end of the
     order's deadline day, Asia/Shanghai (batches share their order's deadline).
   Each is ``pieces × rate``, rounded once to the fen (half up), at the rate of the rule when
   the period is computed (the row keeps it). Premiums go to the household whole (no lead or
   center share) and are charged to the order's merchant apart from the fee.
2. **recoveries** (``compute_recoveries``): each household of the period with open advances
   paid before the period ends gives back, oldest advance first, at most its net for the period
   (lines + adjustments + premiums), ``money.recover_advances``. The advances are locked
   (``SELECT … FOR UPDATE`` in id order) before what is left on them is read, so two computes
   (periods of different scopes) never recover the same fen twice, and a new advance recorded
   meanwhile is simply left for the next compute.

A recompute deletes both with the lines (``_release_compute``); a run killed before the
finishing transaction commits leaves neither.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Case, F, IntegerField, Q, Sum, When
from django.utils import timezone

from quality.models import PieceOutcome

from .advance_models import Advance, AdvanceRecovery, OrderPremiumRule, PayoutPremium, PremiumKind
from .compute import period_bounds
from .models import PayoutAdjustment, PayoutLine, PayoutPeriod, PayoutPool
from .money import fee_to_units, recover_advances, units_to_fen


def deadline_bound(deadline) -> datetime:
    """The first instant after the deadline day in the platform's time zone."""
    tz = timezone.get_current_timezone()
    return datetime.combine(deadline + timedelta(days=1), time.min, tzinfo=tz)


def first_pass_q(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}is_rework": False,
            f"{prefix}inspection__round": 1,
            f"{prefix}inspection__verdict": "accepted",
        }
    )


def premium_pieces(*, period_id: int, rules: dict[int, OrderPremiumRule]) -> list[dict]:
    """Per (workshop, order, household): first-pass and on-time accepted pieces, from the
    outcomes the period claimed, for the orders in ``rules``."""
    if not rules:
        return []
    on_time = Q()
    for order_id, rule in rules.items():
        on_time |= Q(order_id=order_id, decided_at__lt=deadline_bound(rule.order.deadline))
    return list(
        PieceOutcome.objects.filter(
            inspection__payout_claim__period_id=period_id,
            accepted__gt=0,
            order_id__in=list(rules),
        )
        .values("inspection__payout_claim__workshop_id", "order_id", "household_id")
        .annotate(
            first_pass=Sum("accepted", filter=first_pass_q()),
            on_time=Sum(
                Case(When(on_time, then=F("accepted")), default=0, output_field=IntegerField())
            ),
        )
        .order_by("inspection__payout_claim__workshop_id", "order_id", "household_id")
    )


def compute_premiums(*, period: PayoutPeriod) -> int:
    # the period's orders from its pools (a few thousand rows), not from its outcomes
    order_ids = (
        PayoutPool.objects.filter(period_id=period.pk)
        .order_by()
        .values_list("order_id", flat=True)
        .distinct()
    )
    rules = {
        rule.order_id: rule
        for rule in OrderPremiumRule.objects.filter(order_id__in=list(order_ids))
        .filter(Q(first_pass_per_piece__gt=0) | Q(on_time_per_piece__gt=0))
        .select_related("order")
    }
    premiums = []
    for row in premium_pieces(period_id=period.pk, rules=rules):
        rule = rules[row["order_id"]]
        for kind, pieces, rate in (
            (PremiumKind.FIRST_PASS, row["first_pass"] or 0, rule.first_pass_per_piece),
            (PremiumKind.ON_TIME, row["on_time"] or 0, rule.on_time_per_piece),
        ):
            amount = units_to_fen(pieces * fee_to_units(rate))
            if pieces > 0 and amount > 0:
                premiums.append(
                    PayoutPremium(
                        period=period,
                        workshop_id=row["inspection__payout_claim__workshop_id"],
                        order_id=row["order_id"],
                        merchant_id=rule.order.merchant_id,
                        household_id=row["household_id"],
                        kind=kind,
                        pieces=pieces,
                        rate=rate,
                        amount_fen=amount,
                    )
                )
    PayoutPremium.objects.bulk_create(premiums, batch_size=2000)
    return len(premiums)


def household_nets(*, period_id: int, household_ids: list[int]) -> dict[int, int]:
    """Lines + signed adjustments + premiums of these households in the period (before any
    recovery): what a recovery may take at most."""
    nets: dict[int, int] = defaultdict(int)
    for household_id, total in (
        PayoutLine.objects.filter(pool__period_id=period_id, household_id__in=household_ids)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        nets[household_id] += total
    for adjustment in PayoutAdjustment.objects.filter(
        period_id=period_id, household_id__in=household_ids
    ).only("household_id", "kind", "amount_fen"):
        nets[adjustment.household_id] += adjustment.signed_fen
    for household_id, total in (
        PayoutPremium.objects.filter(period_id=period_id, household_id__in=household_ids)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        nets[household_id] += total
    return nets


def compute_recoveries(*, period: PayoutPeriod, household_ids: list[int] | None = None) -> int:
    """Recover open advances from the period's households (only ``household_ids`` if given,
    whose recoveries in this period the caller has just deleted)."""
    _start, end = period_bounds(period)
    open_advances = Advance.objects.filter(closed_at__isnull=True, paid_at__lt=end)
    if household_ids is not None:
        open_advances = open_advances.filter(household_id__in=household_ids)
    candidates = set(open_advances.values_list("household_id", flat=True))
    if not candidates:
        return 0
    nets = household_nets(period_id=period.pk, household_ids=sorted(candidates))
    households = sorted(pk for pk, net in nets.items() if net > 0)
    if not households:
        return 0
    # Lock in id order (two computes lock the same advances in the same order: no deadlock),
    # then read what is left on each: a concurrent compute's recoveries are committed by now.
    advances = list(
        Advance.objects.select_for_update()
        .filter(household_id__in=households, closed_at__isnull=True, paid_at__lt=end)
        .order_by("pk")
    )
    recovered = dict(
        AdvanceRecovery.objects.filter(advance__in=advances)
        .values("advance_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("advance_id", "total")
    )
    by_household: dict[int, list[Advance]] = defaultdict(list)
    for advance in sorted(advances, key=lambda a: (a.paid_at, a.pk)):
        by_household[advance.household_id].append(advance)
    recoveries = []
    for household_id, open_advances in sorted(by_household.items()):
        outstanding = [a.amount_fen - recovered.get(a.pk, 0) for a in open_advances]
        taken = recover_advances(nets[household_id], outstanding)
        for advance, amount in zip(open_advances, taken, strict=True):
            if amount > 0:
                recoveries.append(
                    AdvanceRecovery(
                        period=period,
                        advance=advance,
                        household_id=household_id,
                        amount_fen=amount,
                    )
                )
    AdvanceRecovery.objects.bulk_create(recoveries)
    return len(recoveries)


def recoveries_refresh(*, period: PayoutPeriod, household_ids: list[int]) -> int:
    """Recover again for these households of a computed period (an adjustment changed their
    net): a deduction lowers what is recovered, a bonus may recover more."""
    AdvanceRecovery.objects.filter(period_id=period.pk, household_id__in=household_ids).delete()
    return compute_recoveries(period=period, household_ids=household_ids)


def compute_extras(*, period: PayoutPeriod) -> None:
    """Premiums, then recoveries (which take the premiums into account); idempotent."""
    PayoutPremium.objects.filter(period_id=period.pk).delete()
    AdvanceRecovery.objects.filter(period_id=period.pk).delete()
    compute_premiums(period=period)
    compute_recoveries(period=period)
