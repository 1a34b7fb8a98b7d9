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
from datetime import datetime

from django.db import connection, models
from django.db.models import Exists, OuterRef, Sum

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
    Statement,
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


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def ledger_record_households(
    *,
    period: PayoutPeriod,
    first_id: int,
    last_id: int,
    actor: User,
    at: datetime,
) -> None:
    """Payables (per household and workshop), adjustments, premiums and advance recoveries of
    the households in [first_id, last_id] that have no statement yet (the mark of a household
    done, see ``approval``): one ``INSERT … SELECT`` per kind, in the order and with the memos
    the rows always had. Called in the step's transaction, before the step's statements."""
    Kind = LedgerEntry.Kind
    ledger, statement = _quoted(LedgerEntry), _quoted(Statement)
    insert = (
        f"INSERT INTO {ledger} (period_id, created_by_id, created_at, kind, household_id,"
        " workshop_id, order_id, adjustment_id, amount_fen, memo)"
        " SELECT %s, %s, %s, %s,"
    )
    not_done = f"SELECT 1 FROM {statement} s WHERE s.period_id = %s"  # noqa: S608
    household_rows = (
        " x.household_id >= %s AND x.household_id <= %s"
        f" AND NOT EXISTS ({not_done} AND s.household_id = x.household_id)"
    )
    head = [period.pk, actor.pk, connection.ops.adapt_datetimefield_value(at)]
    rows = [period.pk, first_id, last_id, period.pk]
    premium_memo = " ".join("WHEN %s THEN %s" for _kind in PremiumKind)
    premium_labels = [value for kind in PremiumKind for value in (kind.value, str(kind.label))]
    steps = [
        (
            f"""{insert} x.household_id, p.workshop_id, NULL, NULL, SUM(x.amount_fen), ''
            FROM {_quoted(PayoutLine)} x JOIN {_quoted(PayoutPool)} p ON p.id = x.pool_id
            WHERE p.period_id = %s AND {household_rows}
            GROUP BY x.household_id, p.workshop_id
            ORDER BY x.household_id, p.workshop_id""",
            [*head, Kind.HOUSEHOLD_PAYABLE.value, *rows],
        ),
        (
            f"""{insert} x.household_id, NULL, NULL, x.id,
                   CASE WHEN x.kind = %s THEN x.amount_fen ELSE -x.amount_fen END,
                   SUBSTR(x.reason, 1, 200)
            FROM {_quoted(PayoutAdjustment)} x
            WHERE x.period_id = %s AND {household_rows}
            ORDER BY x.id""",
            [*head, Kind.ADJUSTMENT.value, PayoutAdjustment.Kind.BONUS.value, *rows],
        ),
        (
            f"""{insert} x.household_id, x.workshop_id, x.order_id, NULL, x.amount_fen,
                   CASE x.kind {premium_memo} ELSE x.kind END
            FROM {_quoted(PayoutPremium)} x
            WHERE x.period_id = %s AND {household_rows}
            ORDER BY x.id""",
            [*head, Kind.PREMIUM_PAYABLE.value, *premium_labels, *rows],
        ),
        (
            f"""{insert} x.household_id, a.workshop_id, NULL, NULL, -x.amount_fen,
                   SUBSTR('#' || CAST(x.advance_id AS TEXT) || ' ' || a.reason, 1, 200)
            FROM {_quoted(AdvanceRecovery)} x JOIN {_quoted(Advance)} a ON a.id = x.advance_id
            WHERE x.period_id = %s AND {household_rows}
            ORDER BY x.id""",
            [*head, Kind.ADVANCE_RECOVERY.value, *rows],
        ),
    ]
    recovered_advances = list(
        AdvanceRecovery.objects.filter(
            period=period, household_id__gte=first_id, household_id__lte=last_id
        )
        .exclude(
            Exists(Statement.objects.filter(period=period, household_id=OuterRef("household_id")))
        )
        .values_list("advance_id", flat=True)
    )
    with connection.cursor() as cursor:
        for sql, params in steps:
            cursor.execute(sql, params)
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
