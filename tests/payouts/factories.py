"""Builders for payouts tests: orders, batches and the PieceOutcome rows quality would write.

Lots and inspections are made with quality's models directly and minimal fields: read-only use
of quality's tables from production code is the rule; tests may build fixtures.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from orders.models import Batch, Order
from quality.models import Inspection, Lot, PieceOutcome
from tests.factories import make_household, make_user, make_workshop, seq
from workshops.models import Household, Workshop

# A fixed day inside the test periods below, noon in the platform's time zone.
DAY = date(2026, 3, 10)


def at(day: date = DAY, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def make_order(
    *,
    merchant: User | None = None,
    fee: str = "0.3500",
    rework_fee: str | None = None,
    quantity: int = 1_000_000,
) -> Order:
    merchant = merchant or make_user(User.Role.MERCHANT)
    return Order.objects.create(
        merchant=merchant.organisation,
        created_by=merchant,
        product_name=f"编织腰带 {seq()}",
        quantity=quantity,
        fee_per_piece=Decimal(fee),
        rework_fee_per_piece=Decimal(rework_fee) if rework_fee is not None else None,
        standard_minutes=Decimal("6"),
        deadline=DAY + timedelta(days=60),
        batch_size=min(quantity, 1000),
        status=Order.Status.PUBLISHED,
    )


def make_batch(order: Order, workshop: Workshop) -> Batch:
    number = (order.batches.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return Batch.objects.create(
        order=order,
        number=number,
        quantity=order.batch_size,
        status=Batch.Status.INSPECTED,
        workshop=workshop,
    )


def make_outcome(
    household: Household,
    order: Order,
    *,
    accepted: int,
    rejected: int = 0,
    is_rework: bool = False,
    decided_at: datetime | None = None,
    batch: Batch | None = None,
    inspection_round: int = 1,
    verdict: str = Inspection.Verdict.ACCEPTED,
) -> PieceOutcome:
    batch = batch or make_batch(order, household.workshop)
    checker = _checker(household.workshop)
    lot = Lot.objects.create(
        code=f"T{seq():09d}",
        kind=Lot.Kind.FINISHED,
        batch=batch,
        workshop=batch.workshop,
        quantity=max(accepted + rejected, 1),
        created_by=checker,
    )
    inspection = Inspection.objects.create(
        lot=lot,
        checker=checker,
        severity="normal",
        level="II",
        aql=Decimal("2.5"),
        code_letter="A",
        lot_size=lot.quantity,
        sample_size=2,
        accept=0,
        reject=1,
        round=inspection_round,
        verdict=verdict,
        decided_at=decided_at or at(),
    )
    return PieceOutcome.objects.create(
        lot=lot,
        inspection=inspection,
        household=household,
        batch=batch,
        order=order,
        accepted=accepted,
        rejected=rejected,
        is_rework=is_rework,
        decided_at=decided_at or at(),
    )


def _checker(workshop: Workshop) -> User:
    """A checker of the workshop's center, without hashing a password (tests make many)."""
    center = workshop.organisation.service_center
    checker = User.objects.filter(role=User.Role.CHECKER, organisation=center).first()
    if checker is None:
        checker = User.objects.create(
            username=f"checker-{seq()}", role=User.Role.CHECKER, organisation=center, password="!"
        )
    return checker


def make_households(workshop: Workshop, count: int) -> list[Household]:
    return [make_household(workshop, payment_account=f"62170000{seq():011d}") for _ in range(count)]


__all__ = ["at", "make_batch", "make_households", "make_order", "make_outcome", "make_workshop"]
