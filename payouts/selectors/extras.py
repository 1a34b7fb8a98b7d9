"""Reads of advances and premiums: a household's extras (for its statement and passbook), the
outstanding advances (operator, lead), and their part of a period's reconciliation.

The reconciliation's part is computed independently of the stored premium amounts: the pieces
are counted again from the outcomes the period claimed (in Python, by the rules' definitions),
multiplied by the rate the period was computed with and rounded once per line, then compared
with the premium rows, the merchant's premium charges and the households' premium lines. For
advances it checks that no advance gives back more than it was, that no household's period
goes below zero, and, once the period is approved, that the ledger says the same.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet, Sum

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import NotFound
from quality.models import PieceOutcome

from ..compute_extras import deadline_bound
from ..models import (
    Advance,
    AdvanceRecovery,
    LedgerEntry,
    PayoutAdjustment,
    PayoutLine,
    PayoutPeriod,
    PayoutPremium,
    PremiumKind,
    Statement,
)
from ..money import fee_to_units, units_to_fen
from ._common import LOCKED_STATUSES, Role

# --- a household's extras --------------------------------------------------------------------


@dataclass
class AdvanceView:
    id: int
    household_id: int
    household: str
    workshop_id: int
    amount_fen: int
    recovered_fen: int  # in any period computed so far (drafts' recoveries are not yet final)
    recovered_final_fen: int  # in approved or paid periods
    paid_at: datetime
    reason: str
    closed_at: datetime | None
    recoveries: list[dict] = field(default_factory=list)

    @property
    def outstanding_fen(self) -> int:
        """Still owed by the household after every recovery computed so far."""
        return self.amount_fen - self.recovered_fen


@dataclass
class HouseholdExtras:
    household_id: int
    advances: list[AdvanceView]
    # per period: {"period_id", "name", "status", "premiums": [...], "recoveries": [...],
    # "premium_fen", "recovery_fen"}, newest period first
    periods: list[dict]

    @property
    def outstanding_fen(self) -> int:
        return sum(advance.outstanding_fen for advance in self.advances)


def _advance_views(advances: QuerySet) -> list[AdvanceView]:
    advances = list(advances.select_related("household"))
    recoveries: dict[int, list[dict]] = defaultdict(list)
    for recovery in (
        AdvanceRecovery.objects.filter(advance__in=advances)
        .select_related("period")
        .order_by("period__ends_on", "period_id")
    ):
        recoveries[recovery.advance_id].append(
            {
                "period_id": recovery.period_id,
                "period": recovery.period.name,
                "status": recovery.period.status,
                "amount_fen": recovery.amount_fen,
            }
        )
    views = []
    for advance in advances:
        rows = recoveries.get(advance.pk, [])
        views.append(
            AdvanceView(
                id=advance.pk,
                household_id=advance.household_id,
                household=advance.household.name,
                workshop_id=advance.workshop_id,
                amount_fen=advance.amount_fen,
                recovered_fen=sum(row["amount_fen"] for row in rows),
                recovered_final_fen=sum(
                    row["amount_fen"] for row in rows if row["status"] in LOCKED_STATUSES
                ),
                paid_at=advance.paid_at,
                reason=advance.reason,
                closed_at=advance.closed_at,
                recoveries=rows,
            )
        )
    return views


def household_extras(*, household_id: int, locked_only: bool = False) -> HouseholdExtras:
    """Advances and their recoveries, and premiums and recoveries per period, of one household.

    For the household's own views (statement, passbook): the caller has already established who
    is looking (a token, a card and its second factor). ``locked_only`` keeps only approved or
    paid periods (what the household is told is final).
    """
    advances = _advance_views(
        Advance.objects.filter(household_id=household_id).order_by("paid_at", "pk")
    )
    periods: dict[int, dict] = {}

    def period_row(period: PayoutPeriod) -> dict:
        return periods.setdefault(
            period.pk,
            {
                "period_id": period.pk,
                "name": period.name,
                "status": period.status,
                "ends_on": period.ends_on,
                "premiums": [],
                "recoveries": [],
                "premium_fen": 0,
                "recovery_fen": 0,
            },
        )

    statuses = Q(period__status__in=LOCKED_STATUSES) if locked_only else Q()
    for premium in (
        PayoutPremium.objects.filter(statuses, household_id=household_id)
        .select_related("period", "order")
        .order_by("period_id", "order_id", "kind")
    ):
        row = period_row(premium.period)
        row["premiums"].append(
            {
                "order_id": premium.order_id,
                "product": premium.order.product_name,
                "kind": premium.kind,
                "label": str(PremiumKind(premium.kind).label),
                "pieces": premium.pieces,
                "rate": premium.rate,
                "amount_fen": premium.amount_fen,
            }
        )
        row["premium_fen"] += premium.amount_fen
    for recovery in (
        AdvanceRecovery.objects.filter(statuses, household_id=household_id)
        .select_related("period", "advance")
        .order_by("period_id", "advance_id")
    ):
        row = period_row(recovery.period)
        row["recoveries"].append(
            {
                "advance_id": recovery.advance_id,
                "reason": recovery.advance.reason,
                "paid_at": recovery.advance.paid_at,
                "amount_fen": recovery.amount_fen,
            }
        )
        row["recovery_fen"] += recovery.amount_fen
    if locked_only:
        for advance in advances:
            advance.recoveries = [r for r in advance.recoveries if r["status"] in LOCKED_STATUSES]
            advance.recovered_fen = advance.recovered_final_fen
    ordered = sorted(periods.values(), key=lambda row: (row["ends_on"], row["period_id"]))
    return HouseholdExtras(household_id=household_id, advances=advances, periods=ordered[::-1])


def period_household_extras(*, period_id: int, household_id: int) -> dict:
    """One period's premiums and recoveries of one household (its statement's extra lines)."""
    extras = household_extras(household_id=household_id)
    for row in extras.periods:
        if row["period_id"] == period_id:
            return row
    return {"premiums": [], "recoveries": [], "premium_fen": 0, "recovery_fen": 0}


def advance_list(*, viewer: User, open_only: bool = True) -> list[AdvanceView]:
    """Advances the viewer may see, oldest first: an operator all, a lead its workshop's.
    ``open_only``: those with money still outstanding (not closed)."""
    ensure_role(viewer, Role.OPERATOR, Role.LEAD)
    advances = Advance.objects.order_by("paid_at", "pk")
    if not is_operator(viewer):
        advances = advances.filter(workshop__organisation_id=viewer.organisation_id)
    if open_only:
        advances = advances.filter(closed_at__isnull=True)
    return _advance_views(advances)


def advance_get(*, viewer: User, advance_id: int) -> AdvanceView:
    ensure_role(viewer, Role.OPERATOR, Role.LEAD)
    advances = Advance.objects.filter(pk=advance_id)
    if not is_operator(viewer):
        advances = advances.filter(workshop__organisation_id=viewer.organisation_id)
    views = _advance_views(advances)
    if not views:
        raise NotFound(code="advance_not_found", detail={"advance_id": advance_id})
    return views[0]


# --- reconciliation -----------------------------------------------------------------------


def _expected_premiums(period: PayoutPeriod) -> dict[tuple[int, str], tuple[int, int]]:
    """Per (order, kind): pieces and money, counted again from the claimed outcomes one by one
    at the rates the period was computed with, each (workshop, household) line rounded once."""
    rates = {
        (order_id, kind): rate
        for order_id, kind, rate in PayoutPremium.objects.filter(period=period)
        .values_list("order_id", "kind", "rate")
        .distinct()
    }
    if not rates:
        return {}
    lines: dict[tuple[int, str, int, int], int] = defaultdict(int)
    for outcome in PieceOutcome.objects.filter(
        inspection__payout_claim__period=period,
        order_id__in={order_id for order_id, _kind in rates},
        accepted__gt=0,
    ).select_related("lot", "inspection", "order"):
        first_pass = (
            not outcome.is_rework
            and outcome.inspection.round == 1
            and outcome.inspection.verdict == "accepted"
        )
        on_time = outcome.decided_at < deadline_bound(outcome.order.deadline)
        for kind, earns in ((PremiumKind.FIRST_PASS, first_pass), (PremiumKind.ON_TIME, on_time)):
            if earns and (outcome.order_id, kind) in rates:
                key = (outcome.order_id, kind, outcome.lot.workshop_id, outcome.household_id)
                lines[key] += outcome.accepted
    expected: dict[tuple[int, str], tuple[int, int]] = {}
    for (order_id, kind, _workshop, _household), pieces in lines.items():
        money = units_to_fen(pieces * fee_to_units(rates[(order_id, kind)]))
        if money <= 0:
            continue
        total_pieces, total_fen = expected.get((order_id, kind), (0, 0))
        expected[(order_id, kind)] = (total_pieces + pieces, total_fen + money)
    return expected


def _sum(queryset: QuerySet, column: str = "amount_fen") -> int:
    return queryset.aggregate(total=Sum(column))["total"] or 0


def extras_reconciliation(*, period: PayoutPeriod) -> dict:
    """Premiums per order and kind, advances' recoveries, and (once approved) the ledger's
    lines for both; every difference listed (there must be none)."""
    differences: list[dict] = []
    expected = _expected_premiums(period)
    stored = {
        (row["order_id"], row["kind"]): (row["pieces"], row["total"])
        for row in PayoutPremium.objects.filter(period=period)
        .values("order_id", "kind")
        .annotate(pieces=Sum("pieces"), total=Sum("amount_fen"))
        .order_by()
    }
    premiums = []
    for order_id, kind in sorted(set(expected) | set(stored)):
        expected_pieces, expected_fen = expected.get((order_id, kind), (0, 0))
        pieces, amount = stored.get((order_id, kind), (0, 0))
        row = {
            "order_id": order_id,
            "kind": kind,
            "pieces": pieces,
            "expected_fen": expected_fen,
            "premium_fen": amount,
            "differences": [],
        }
        if (expected_pieces, expected_fen) != (pieces, amount):
            row["differences"].append(
                f"premium {kind}: expected {expected_pieces}/{expected_fen} != {pieces}/{amount}"
            )
        premiums.append(row)
        differences += [{"order_id": order_id, "difference": d} for d in row["differences"]]
    premium_fen = sum(row["premium_fen"] for row in premiums)

    recoveries = AdvanceRecovery.objects.filter(period=period)
    recovery_fen = _sum(recoveries)
    touched = list(recoveries.values_list("advance_id", flat=True))
    for advance_id, amount, recovered in (
        Advance.objects.filter(pk__in=touched)
        .annotate(recovered=Sum("recoveries__amount_fen"))
        .values_list("pk", "amount_fen", "recovered")
    ):
        if recovered > amount:
            differences.append(
                {"advance_id": advance_id, "difference": f"recovered {recovered} > {amount}"}
            )
    households = set(recoveries.values_list("household_id", flat=True))
    nets: dict[int, int] = defaultdict(int)
    for household_id, total in (
        PayoutLine.objects.filter(pool__period=period, household_id__in=households)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        nets[household_id] += total
    for adjustment in PayoutAdjustment.objects.filter(period=period, household_id__in=households):
        nets[adjustment.household_id] += adjustment.signed_fen
    for household_id, total in (
        PayoutPremium.objects.filter(period=period, household_id__in=households)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        nets[household_id] += total
    for household_id, total in (
        recoveries.values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        if nets[household_id] - total < 0:
            differences.append(
                {"household_id": household_id, "difference": "recovery makes the net negative"}
            )

    ledger = None
    if period.status in LOCKED_STATUSES:
        entries = LedgerEntry.objects.filter(period=period)
        kinds = LedgerEntry.Kind
        ledger = {
            "premium_charge_fen": _sum(entries.filter(kind=kinds.PREMIUM_CHARGE)),
            "premium_payable_fen": _sum(entries.filter(kind=kinds.PREMIUM_PAYABLE)),
            "advance_recovery_fen": -_sum(entries.filter(kind=kinds.ADVANCE_RECOVERY)),
            "households_fen": _sum(
                entries.filter(
                    kind__in=(
                        kinds.HOUSEHOLD_PAYABLE,
                        kinds.ADJUSTMENT,
                        kinds.PREMIUM_PAYABLE,
                        kinds.ADVANCE_RECOVERY,
                    )
                )
            ),
            "statements_fen": _sum(Statement.objects.filter(period=period), "total_fen"),
        }
        for name, want in (
            ("premium_charge_fen", premium_fen),
            ("premium_payable_fen", premium_fen),
            ("advance_recovery_fen", recovery_fen),
            ("households_fen", ledger["statements_fen"]),
        ):
            if ledger[name] != want:
                differences.append({"ledger": name, "difference": f"{ledger[name]} != {want}"})
    return {
        "premiums": premiums,
        "premium_fen": premium_fen,
        "recovery_fen": recovery_fen,
        "advances_recovered": len(set(touched)),
        "ledger": ledger,
        "differences": differences,
    }
