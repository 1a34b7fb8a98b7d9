"""The ledger's rows for a period: what approval makes owed, and what payment settles.

Append-only: approval writes the merchants' charges and the payables to leads, service
centers and households (adjustments included); marking paid writes one payment against each
payable. Approval writes in steps (see ``approval``), each in the transaction of its step:
the charges and the leads' and centers' payables at once (``ledger_record_charges``), then each
household's payables with its statement (``ledger_record_households``), so that a household's
rows exist exactly when its statement does.

Premiums and advance recoveries are lines of their own: a ``premium_charge`` per (order, kind)
to the merchant beside its ``merchant_charge``, a ``premium_payable`` per premium row and an
``advance_recovery`` (negative) per recovery row to the household. An advance whose last fen
is recovered is closed in the step that writes that recovery's line.
"""

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from django.db import models
from django.db.models import Sum

from accounts.models import User

from ..models import (
    Advance,
    AdvanceRecovery,
    LedgerEntry,
    PayoutAdjustment,
    PayoutLine,
    PayoutPeriod,
    PayoutPool,
    PayoutPremium,
    PremiumKind,
)

CHARGE_KINDS = (
    LedgerEntry.Kind.MERCHANT_CHARGE,
    LedgerEntry.Kind.PREMIUM_CHARGE,
    LedgerEntry.Kind.LEAD_PAYABLE,
    LedgerEntry.Kind.CENTER_PAYABLE,
)


def ledger_charges_recorded(period: PayoutPeriod) -> bool:
    return LedgerEntry.objects.filter(period=period, kind__in=CHARGE_KINDS).exists()


def ledger_record_charges(*, period: PayoutPeriod, actor: User, at: datetime) -> None:
    """Merchants' charges per order, leads' payables per workshop, centers' per center."""
    entries: list[LedgerEntry] = []
    common = {"period": period, "created_by": actor, "created_at": at}
    pools = PayoutPool.objects.filter(period=period)
    for row in (
        pools.values("merchant_id", "order_id")
        .annotate(total=Sum("gross_fen"))
        .order_by("order_id")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.MERCHANT_CHARGE,
                merchant_id=row["merchant_id"],
                order_id=row["order_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    for row in (
        PayoutPremium.objects.filter(period=period)
        .values("merchant_id", "order_id", "kind")
        .annotate(total=Sum("amount_fen"))
        .order_by("order_id", "kind")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.PREMIUM_CHARGE,
                merchant_id=row["merchant_id"],
                order_id=row["order_id"],
                amount_fen=row["total"],
                memo=str(PremiumKind(row["kind"]).label),
                **common,
            )
        )
    for row in (
        pools.filter(lead_fen__gt=0)
        .values("workshop_id")
        .annotate(total=Sum("lead_fen"))
        .order_by("workshop_id")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.LEAD_PAYABLE,
                workshop_id=row["workshop_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    for row in (
        pools.filter(center_fen__gt=0)
        .values("service_center_id")
        .annotate(total=Sum("center_fen"))
        .order_by("service_center_id")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.CENTER_PAYABLE,
                service_center_id=row["service_center_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)


def ledger_record_households(
    *,
    period: PayoutPeriod,
    first_id: int,
    last_id: int,
    household_ids: Collection[int],
    actor: User,
    at: datetime,
) -> None:
    """Payables (per household and workshop) and adjustments of ``household_ids``, which lie
    in [first_id, last_id]: the range keeps the queries free of long IN lists."""
    entries: list[LedgerEntry] = []
    common = {"period": period, "created_by": actor, "created_at": at}
    in_range = {"household_id__gte": first_id, "household_id__lte": last_id}
    for row in (
        PayoutLine.objects.filter(pool__period=period, **in_range)
        .values("household_id", "pool__workshop_id")
        .annotate(total=Sum("amount_fen"))
        .order_by("household_id", "pool__workshop_id")
    ):
        if row["household_id"] not in household_ids:
            continue
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.HOUSEHOLD_PAYABLE,
                household_id=row["household_id"],
                workshop_id=row["pool__workshop_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    for adjustment in PayoutAdjustment.objects.filter(period=period, **in_range).order_by("pk"):
        if adjustment.household_id not in household_ids:
            continue
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.ADJUSTMENT,
                household_id=adjustment.household_id,
                adjustment=adjustment,
                amount_fen=adjustment.signed_fen,
                memo=adjustment.reason[:200],
                **common,
            )
        )
    for premium in PayoutPremium.objects.filter(period=period, **in_range).order_by("pk"):
        if premium.household_id not in household_ids:
            continue
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.PREMIUM_PAYABLE,
                household_id=premium.household_id,
                workshop_id=premium.workshop_id,
                order_id=premium.order_id,
                amount_fen=premium.amount_fen,
                memo=str(PremiumKind(premium.kind).label),
                **common,
            )
        )
    recovered_advances = []
    for recovery in (
        AdvanceRecovery.objects.filter(period=period, **in_range)
        .select_related("advance")
        .order_by("pk")
    ):
        if recovery.household_id not in household_ids:
            continue
        recovered_advances.append(recovery.advance_id)
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.ADVANCE_RECOVERY,
                household_id=recovery.household_id,
                workshop_id=recovery.advance.workshop_id,
                amount_fen=-recovery.amount_fen,
                memo=f"#{recovery.advance_id} {recovery.advance.reason}"[:200],
                **common,
            )
        )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    advances_close_recovered(advance_ids=recovered_advances, period=period, at=at)


def advances_close_recovered(*, advance_ids: list[int], period: PayoutPeriod, at: datetime) -> int:
    """Close the advances whose recoveries in approving or locked periods now sum to their
    amount (recoveries of drafts elsewhere are not yet final)."""
    final = {
        PayoutPeriod.Status.APPROVING,
        PayoutPeriod.Status.APPROVED,
        PayoutPeriod.Status.PAID,
    }
    done = [
        row["pk"]
        for row in Advance.objects.filter(pk__in=advance_ids, closed_at__isnull=True)
        .annotate(
            final_fen=Sum(
                "recoveries__amount_fen",
                filter=models.Q(recoveries__period__status__in=final),
            )
        )
        .values("pk", "amount_fen", "final_fen")
        if row["final_fen"] == row["amount_fen"]
    ]
    if done:
        Advance.objects.filter(pk__in=done, closed_at__isnull=True).update(
            closed_at=at, closed_in=period
        )
    return len(done)


def ledger_record_payment(*, period: PayoutPeriod, actor: User, at: datetime) -> None:
    """Settle every payable of a period being marked paid (merchant charges stay as they are)."""
    payment_kind = {
        LedgerEntry.Kind.LEAD_PAYABLE: LedgerEntry.Kind.LEAD_PAYMENT,
        LedgerEntry.Kind.CENTER_PAYABLE: LedgerEntry.Kind.CENTER_PAYMENT,
    }
    entries = []
    household_totals: dict[int, int] = defaultdict(int)
    household_workshop: dict[int, int] = {}
    for entry in LedgerEntry.objects.filter(period=period).exclude(
        kind__in=(LedgerEntry.Kind.MERCHANT_CHARGE, LedgerEntry.Kind.PREMIUM_CHARGE)
    ):
        if entry.kind in payment_kind:
            entries.append(
                LedgerEntry(
                    period=period,
                    kind=payment_kind[entry.kind],
                    workshop_id=entry.workshop_id,
                    service_center_id=entry.service_center_id,
                    amount_fen=-entry.amount_fen,
                    memo=period.payment_reference,
                    created_by=actor,
                    created_at=at,
                )
            )
            continue
        household_totals[entry.household_id] += entry.amount_fen
        if entry.workshop_id is not None:
            household_workshop.setdefault(entry.household_id, entry.workshop_id)
    for household_id, total in sorted(household_totals.items()):
        if total:
            entries.append(
                LedgerEntry(
                    period=period,
                    kind=LedgerEntry.Kind.HOUSEHOLD_PAYMENT,
                    household_id=household_id,
                    workshop_id=household_workshop.get(household_id),
                    amount_fen=-total,
                    memo=period.payment_reference,
                    created_by=actor,
                    created_at=at,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
