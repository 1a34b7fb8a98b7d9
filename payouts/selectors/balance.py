"""A household's money at a glance, for a reply of a few lines (an SMS ``余额``).

Only what is settled counts: statements of approved or paid periods (what the household's slip
says) and the ledger's payments to it. A period still being computed may change, so it is not
quoted to a household.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.utils import timezone

from ..models import LedgerEntry, Statement
from ._common import LOCKED_STATUSES


@dataclass(frozen=True)
class HouseholdBalance:
    period_name: str  # the newest settled period with a statement for the household ("" if none)
    period_fen: int
    year: int
    year_fen: int  # statements of settled periods ending in ``year``
    last_paid_on: date | None
    last_paid_fen: int


def household_balance(*, household_id: int, today: date) -> HouseholdBalance:
    statements = Statement.objects.filter(
        household_id=household_id, period__status__in=LOCKED_STATUSES
    )
    newest = statements.select_related("period").order_by("-period__ends_on", "-period_id").first()
    year_fen = statements.filter(period__ends_on__year=today.year).aggregate(
        total=Sum("total_fen")
    )["total"]
    payment = (
        LedgerEntry.objects.filter(
            household_id=household_id, kind=LedgerEntry.Kind.HOUSEHOLD_PAYMENT
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return HouseholdBalance(
        period_name=newest.period.name if newest else "",
        period_fen=newest.total_fen if newest else 0,
        year=today.year,
        year_fen=year_fen or 0,
        last_paid_on=timezone.localdate(payment.created_at) if payment else None,
        last_paid_fen=-payment.amount_fen if payment else 0,
    )
