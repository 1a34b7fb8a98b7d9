"""What a period, and each household in it, adds up to: its pools and lines plus adjustments,
plus premiums, less advance recoveries.

Shared by computing (a period's stored totals), approving (each household's statement, none
below zero) and adjustments (a deduction may not take a household's total below zero).
"""

from collections import defaultdict

from django.db.models import Q, Sum

from ..models import AdvanceRecovery, PayoutAdjustment, PayoutLine, PayoutPool, PayoutPremium


def period_totals(period_id: int) -> dict[str, int]:
    """A period's stored figures: its pools' sums and its adjustments' (0 where none)."""
    pools = PayoutPool.objects.filter(period_id=period_id).aggregate(
        pieces=Sum("pieces"),
        rework_pieces=Sum("rework_pieces"),
        gross_fen=Sum("gross_fen"),
        households_fen=Sum("households_fen"),
        lead_fen=Sum("lead_fen"),
        center_fen=Sum("center_fen"),
    )
    adjustments = PayoutAdjustment.objects.filter(period_id=period_id).aggregate(
        bonus_fen=Sum("amount_fen", filter=Q(kind=PayoutAdjustment.Kind.BONUS)),
        deduction_fen=Sum("amount_fen", filter=Q(kind=PayoutAdjustment.Kind.DEDUCTION)),
    )
    totals = {key: value or 0 for key, value in {**pools, **adjustments}.items()}
    return totals


def household_totals(
    period_id: int, *, first_id: int | None = None, last_id: int | None = None
) -> dict[int, int]:
    """Each household's total in the period (its lines plus signed adjustments), by id; only
    households with ids in [first_id, last_id] when those are given."""
    in_range: dict[str, int] = {}
    if first_id is not None:
        in_range["household_id__gte"] = first_id
    if last_id is not None:
        in_range["household_id__lte"] = last_id
    totals: dict[int, int] = defaultdict(int)
    for household_id, amount in (
        PayoutLine.objects.filter(pool__period_id=period_id, **in_range)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        totals[household_id] += amount
    for adjustment in PayoutAdjustment.objects.filter(period_id=period_id, **in_range).only(
        "household_id", "kind", "amount_fen"
    ):
        totals[adjustment.household_id] += adjustment.signed_fen
    for household_id, amount in (
        PayoutPremium.objects.filter(period_id=period_id, **in_range)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        totals[household_id] += amount
    for household_id, amount in (
        AdvanceRecovery.objects.filter(period_id=period_id, **in_range)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        totals[household_id] -= amount
    return totals


def household_period_total(*, period_id: int, household_id: int) -> int:
    lines = (
        PayoutLine.objects.filter(pool__period_id=period_id, household_id=household_id).aggregate(
            total=Sum("amount_fen")
        )["total"]
        or 0
    )
    adjustments = sum(
        adjustment.signed_fen
        for adjustment in PayoutAdjustment.objects.filter(
            period_id=period_id, household_id=household_id
        )
    )
    premiums = (
        PayoutPremium.objects.filter(period_id=period_id, household_id=household_id).aggregate(
            total=Sum("amount_fen")
        )["total"]
        or 0
    )
    recovered = (
        AdvanceRecovery.objects.filter(period_id=period_id, household_id=household_id).aggregate(
            total=Sum("amount_fen")
        )["total"]
        or 0
    )
    return lines + adjustments + premiums - recovered
