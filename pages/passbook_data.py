"""What a household's passbook shows, read from the apps that keep it: work taken and returned
(orders), pieces accepted and rejected with the defect kinds (quality), each period's money and
its payment (payouts), the consent on record (workshops). Reads only, newest first, each list
cut at ``LIMIT`` rows so that an old household's page stays small.

Ledger rows of the household other than the fee, its payment and the adjustments (advances,
premiums, whatever the ledger learns to record) are shown as they are, by their kind's label.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum

from core import currency
from orders.models import OrderPhoto, Ticket
from payouts.models import (
    HouseholdPayment,
    LedgerEntry,
    PayoutAdjustment,
    PayoutConversion,
    PayoutLine,
    PayoutPeriod,
    Statement,
)
from payouts.money import fen_to_yuan
from payouts.selectors import household_payment_list
from quality.models import Defect, PieceOutcome
from workshops.models import Household, HouseholdConsent
from workshops.selectors import consent_in_force

LIMIT = 30
# The ledger kinds already shown as the fee, the adjustments and the payment.
SHOWN_KINDS = {
    LedgerEntry.Kind.HOUSEHOLD_PAYABLE,
    LedgerEntry.Kind.HOUSEHOLD_PAYMENT,
    LedgerEntry.Kind.ADJUSTMENT,
}


@dataclass
class PassbookPeriod:
    name: str
    starts_on: Any
    ends_on: Any
    gross: Any
    shares: Any
    adjustments: list[dict]
    other: list[dict]
    total: Any
    payment: HouseholdPayment | None
    pieces: int
    # Paid abroad: the total in the household's payout currency (converted at approval).
    payout_amount: str = ""


@dataclass
class Passbook:
    household: Household
    open_payments: list[dict]
    payments: list[dict]
    periods: list[PassbookPeriod]
    tickets: list[dict]
    outcomes: list[dict]
    consent: HouseholdConsent | None
    year_total: Any = None
    photos: dict[int, OrderPhoto] = field(default_factory=dict)


def _photos(order_ids: set[int]) -> dict[int, OrderPhoto]:
    photos: dict[int, OrderPhoto] = {}
    for photo in OrderPhoto.objects.filter(order_id__in=order_ids).order_by("pk"):
        photos.setdefault(photo.order_id, photo)
    return photos


def _periods(household: Household) -> list[PassbookPeriod]:
    statements = list(
        Statement.objects.filter(
            household=household,
            period__status__in=[PayoutPeriod.Status.APPROVED, PayoutPeriod.Status.PAID],
        )
        .select_related("period")
        .order_by("-period__ends_on", "-pk")[:LIMIT]
    )
    period_ids = [s.period_id for s in statements]
    sums = {
        row["pool__period_id"]: row
        for row in PayoutLine.objects.filter(household=household, pool__period_id__in=period_ids)
        .values("pool__period_id")
        .annotate(gross=Sum("gross_fen"), amount=Sum("amount_fen"), pieces=Sum("pieces"))
    }
    adjustments: dict[int, list[dict]] = defaultdict(list)
    for adjustment in PayoutAdjustment.objects.filter(
        household=household, period_id__in=period_ids
    ).order_by("pk"):
        adjustments[adjustment.period_id].append(
            {
                "label": adjustment.get_kind_display(),
                "reason": adjustment.reason,
                "amount": fen_to_yuan(adjustment.signed_fen),
            }
        )
    other: dict[int, list[dict]] = defaultdict(list)
    for entry in (
        LedgerEntry.objects.filter(household=household, period_id__in=period_ids)
        .exclude(kind__in=SHOWN_KINDS)
        .order_by("pk")
    ):
        other[entry.period_id].append(
            {
                "label": entry.get_kind_display(),
                "memo": entry.memo,
                "amount": fen_to_yuan(entry.amount_fen),
            }
        )
    abroad = {
        c.period_id: currency.format_minor(c.amount_minor, c.currency)
        for c in PayoutConversion.objects.filter(household=household, period_id__in=period_ids)
    }
    payments = {
        p.statement_id: p
        for p in HouseholdPayment.objects.filter(statement__in=statements).select_related("answer")
    }
    rows = []
    for statement in statements:
        sums_row = sums.get(statement.period_id, {})
        gross = sums_row.get("gross") or 0
        rows.append(
            PassbookPeriod(
                name=statement.period.name,
                starts_on=statement.period.starts_on,
                ends_on=statement.period.ends_on,
                gross=fen_to_yuan(gross),
                shares=fen_to_yuan(gross - (sums_row.get("amount") or 0)),
                adjustments=adjustments[statement.period_id],
                other=other[statement.period_id],
                total=fen_to_yuan(statement.total_fen),
                payment=payments.get(statement.pk),
                pieces=sums_row.get("pieces") or 0,
                payout_amount=abroad.get(statement.period_id, ""),
            )
        )
    return rows


def _tickets(household: Household) -> tuple[list[dict], set[int]]:
    tickets = list(
        Ticket.objects.filter(household=household)
        .select_related("batch__order")
        .prefetch_related("returns", "corrections")
        .order_by("-issued_at", "-pk")[:LIMIT]
    )
    rows = [
        {
            "ticket": ticket,
            "product": ticket.batch.order.product_name,
            "order_id": ticket.batch.order_id,
            "returns": sorted(ticket.returns.all(), key=lambda r: r.recorded_at, reverse=True),
        }
        for ticket in tickets
    ]
    return rows, {row["order_id"] for row in rows}


def _outcomes(household: Household) -> tuple[list[dict], set[int]]:
    outcomes = list(
        PieceOutcome.objects.filter(household=household)
        .select_related("order")
        .order_by("-decided_at", "-pk")[:LIMIT]
    )
    defects: dict[int, list[str]] = defaultdict(list)
    for defect in Defect.objects.filter(
        household=household, inspection_id__in=[o.inspection_id for o in outcomes]
    ).order_by("pk"):
        defects[defect.inspection_id].append(f"{defect.get_kind_display()} ×{defect.count}")
    rows = [
        {
            "outcome": outcome,
            "product": outcome.order.product_name,
            "order_id": outcome.order_id,
            "defects": defects[outcome.inspection_id],
        }
        for outcome in outcomes
    ]
    return rows, {row["order_id"] for row in rows}


def passbook_get(*, household: Household) -> Passbook:
    """Everything the household's passbook shows (the caller has checked its second factor)."""
    payments = list(household_payment_list(household_id=household.pk)[:LIMIT])
    tickets, ticket_orders = _tickets(household)
    outcomes, outcome_orders = _outcomes(household)
    photos = _photos(ticket_orders | outcome_orders)
    for row in tickets + outcomes:
        row["photo"] = photos.get(row["order_id"])
    consent = consent_in_force(
        household_ids=[household.pk], purpose=HouseholdConsent.Purpose.DATA_PROCESSING
    ).get(household.pk)
    return Passbook(
        household=household,
        open_payments=[
            {"payment": p, "amount": fen_to_yuan(p.amount_fen)}
            for p in payments
            if p.status == HouseholdPayment.Status.UNCONFIRMED
        ],
        payments=[{"payment": p, "amount": fen_to_yuan(p.amount_fen)} for p in payments],
        periods=_periods(household),
        tickets=tickets,
        outcomes=outcomes,
        consent=consent,
        photos=photos,
    )
