"""Builders for quality tests: orders and batches in a given state (made with the orders models
directly, as fixtures), tickets with returned pieces, and lots made through quality's services."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from orders.models import Batch, Order, Ticket
from quality.models import Lot
from quality.services import DefectIn, lot_create, lot_inspect
from tests.factories import make_household, make_user, seq
from workshops.models import Household, Workshop


def make_order(
    *, aql: str = "2.5", level: str = "II", product: str | None = None, **fields
) -> Order:
    merchant = make_user(User.Role.MERCHANT)
    return Order.objects.create(
        merchant=merchant.organisation,
        created_by=merchant,
        product_name=product or f"绳编腰带{seq()}",
        quantity=fields.pop("quantity", 100_000),
        fee_per_piece=Decimal(fields.pop("fee", "0.50")),
        standard_minutes=Decimal("5"),
        deadline=timezone.localdate() + timedelta(days=30),
        batch_size=fields.pop("batch_size", 1000),
        aql=Decimal(aql),
        inspection_level=level,
        status=Order.Status.PUBLISHED,
        **fields,
    )


def make_batch(
    workshop: Workshop,
    *,
    status: str = Batch.Status.IN_PRODUCTION,
    order: Order | None = None,
    quantity: int = 1000,
    **order_fields,
) -> Batch:
    order = order or make_order(**order_fields)
    number = (order.batches.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return Batch.objects.create(
        order=order,
        number=number,
        quantity=quantity,
        status=status,
        workshop=workshop,
        claimed_by=workshop.lead,
        claimed_at=timezone.now(),
    )


def returned(batch: Batch, household: Household | None = None, pieces: int = 100) -> Household:
    """A household that was issued and returned ``pieces`` on ``batch``."""
    household = household or make_household(batch.workshop)
    Ticket.objects.create(
        batch=batch,
        household=household,
        issued=pieces,
        returned=pieces,
        issued_by=batch.workshop.lead,
    )
    return household


def finished_lot(batch: Batch, shares: dict[Household, int], actor: User | None = None) -> Lot:
    return lot_create(
        actor=actor or batch.workshop.lead,
        batch_id=batch.pk,
        kind=Lot.Kind.FINISHED,
        quantity=sum(shares.values()),
        shares=[{"household_id": h.pk, "quantity": q} for h, q in shares.items()],
    )


def material_lot(batch: Batch, quantity: int = 1000, actor: User | None = None) -> Lot:
    return lot_create(
        actor=actor or batch.workshop.lead,
        batch_id=batch.pk,
        kind=Lot.Kind.MATERIAL,
        quantity=quantity,
    )


def lot_with_households(workshop: Workshop, pieces: list[int], **order_fields):
    """A finished lot of one batch whose households returned exactly ``pieces``."""
    batch = make_batch(workshop, **order_fields)
    households = [returned(batch, pieces=p) for p in pieces]
    lot = finished_lot(batch, dict(zip(households, pieces, strict=True)))
    return lot, households


def inspect(lot: Lot, checker: User, *defects: tuple[str, str, int, Household | None]):
    return lot_inspect(
        actor=checker,
        code=lot.code,
        defects=[
            DefectIn(kind=k, defect_class=c, count=n, household_id=h.pk if h else None)
            for k, c, n, h in defects
        ],
    )
