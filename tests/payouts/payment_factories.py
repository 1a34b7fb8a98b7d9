"""A period paid to a few households, for the payments' and the passbook's tests."""

from datetime import date

from payouts.models import HouseholdPayment, PayoutPeriod
from payouts.services import period_approve, period_compute, period_create, period_mark_paid

from .factories import at, make_households, make_order, make_outcome


def make_paid_period(
    operator, workshop, *, pieces=(100, 40), month: int = 3, method: str = "bank", **paid
) -> tuple[PayoutPeriod, list]:
    """Households of ``workshop`` with accepted pieces, a period computed, approved and paid."""
    households = paid.pop("households", None) or make_households(workshop, len(pieces))
    order = make_order(fee="0.5000")
    for household, count in zip(households, pieces, strict=True):
        make_outcome(household, order, accepted=count, decided_at=at(date(2026, month, 10)))
    period = period_create(
        actor=operator,
        name=f"{month}月",
        starts_on=date(2026, month, 1),
        ends_on=date(2026, month, 28),
    )
    period_compute(period_id=period.pk, actor=operator)
    period_approve(period_id=period.pk, actor=operator)
    period = period_mark_paid(
        period_id=period.pk,
        actor=operator,
        payment_reference=paid.pop("reference", "BANK-001"),
        method=method,
        **paid,
    )
    return period, households


def payment_of(household) -> HouseholdPayment:
    return HouseholdPayment.objects.get(household=household)
