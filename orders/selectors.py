"""Reads for orders, batches and tickets, scoped to what the viewer may see.

Merchants see their own company's orders and batches; leads see their workshop's batches and
tickets, plus the open batches their workshop may claim; checkers see the batches of the
workshops their service center serves; operators see everything.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role, is_operator, scope
from workshops.models import Skill, Workshop, WorkshopSkill

from .eligibility import batch_needs, may_claim, outstanding_pieces, workshop_fits
from .errors import OrderNotFound, TicketNotFound
from .fair_pay import current_minimum_wages
from .models import Batch, BatchEvent, MinimumWage, Order, OrderPhoto, PendingPhoto, Ticket
from .services import BatchNotFound

Role = User.Role

PROGRESS_FIELDS = ("open", "claimed", "in_production", "returned", "accepted", "cancelled")


def _pieces_in(status: str) -> Coalesce:
    return Coalesce(Sum("quantity", filter=Q(status=status)), Value(0), output_field=IntegerField())


def attach_progress(orders: list[Order]) -> list[Order]:
    """Live progress of a page of orders in two grouped queries, whatever the page's size.

    pieces_open / pieces_claimed / pieces_in_production / pieces_cancelled: Σ batch quantity by
    status, and batch_count (one GROUP BY order over the page's batches); pieces_returned: Σ
    pieces households have handed back on the order's tickets (one GROUP BY order over their
    tickets). Grouping the page's batches and tickets on their own keeps the joins from
    multiplying each other and runs no subquery per batch row.
    """
    ids = [o.pk for o in orders]
    batches = {}
    returned = {}
    if ids:
        batches = {
            row["order_id"]: row
            for row in Batch.objects.filter(order_id__in=ids)
            .order_by()
            .values("order_id")
            .annotate(
                pieces_open=_pieces_in(Batch.Status.OPEN),
                pieces_claimed=_pieces_in(Batch.Status.CLAIMED),
                pieces_in_production=_pieces_in(Batch.Status.IN_PRODUCTION),
                pieces_cancelled=_pieces_in(Batch.Status.CANCELLED),
                batch_count=Count("pk"),
            )
        }
        returned = dict(
            Ticket.objects.filter(batch__order_id__in=ids)
            .order_by()
            .values("batch__order_id")
            .annotate(total=Sum("returned"))
            .values_list("batch__order_id", "total")
        )
    for order in orders:
        row = batches.get(order.pk, {})
        for field in (
            "pieces_open",
            "pieces_claimed",
            "pieces_in_production",
            "pieces_cancelled",
            "batch_count",
        ):
            setattr(order, field, row.get(field, 0))
        order.pieces_returned = returned.get(order.pk) or 0
    return orders


# Quality decides which pieces are accepted, and quality sits above orders: it hands its reader
# in when the project starts (quality.apps), so orders never imports it.
_quality_readers: list[Callable[[list[int]], dict[int, dict]]] = []

QUALITY_FIGURES = ("accepted", "rejected", "reworked", "first_pass_yield")


def accepted_pieces_reader_register(reader: Callable[[list[int]], dict[int, dict]]) -> None:
    """Set where an order's quality figures come from: order ids → {accepted, rejected,
    reworked, first_pass_yield} (absent = nothing decided yet), one call for a whole page."""
    _quality_readers[:] = [reader]


def quality_figures_by_order(order_ids: Iterable[int]) -> dict[int, dict]:
    """Quality figures per order, from quality once it provides them (none until then)."""
    ids = list(order_ids)
    if not _quality_readers or not ids:
        return {}
    return dict(_quality_readers[0](ids))


def accepted_pieces_by_order(order_ids: Iterable[int]) -> dict[int, int]:
    """Accepted pieces per order (0 until quality provides them)."""
    return {k: v["accepted"] for k, v in quality_figures_by_order(order_ids).items()}


def attach_accepted(orders: list[Order]) -> list[Order]:
    """Quality figures for a page of orders in one call (``pieces_accepted``,
    ``pieces_rejected``, ``pieces_reworked``, ``first_pass_yield``); the minimum wage table
    read once for the drafts' fair-pay hints."""
    figures = quality_figures_by_order(o.pk for o in orders)
    wages = current_minimum_wages() if any(o.fair_pay_hourly is None for o in orders) else {}
    for order in orders:
        found = figures.get(order.pk, {})
        order.pieces_accepted = found.get("accepted", 0)
        order.pieces_rejected = found.get("rejected", 0)
        order.pieces_reworked = found.get("reworked", 0)
        order.first_pass_yield = found.get("first_pass_yield")
        order.current_minimum_wages = wages
    return orders


def _orders_base(viewer: User) -> QuerySet[Order]:
    return scope(
        Order.objects.select_related("merchant", "service_center", "fair_pay_minimum"),
        viewer=viewer,
        merchant="merchant",
    ).prefetch_related(
        Prefetch("required_skills", queryset=Skill.objects.order_by("code")),
        Prefetch("photos", queryset=OrderPhoto.objects.order_by("pk")),
    )


def order_list(*, viewer: User, status: str | None = None, search: str = "") -> QuerySet[Order]:
    """The viewer's orders, newest first (progress: ``attach_progress`` on the page taken)."""
    orders = _orders_base(viewer)
    if status:
        orders = orders.filter(status=status)
    if search:
        orders = orders.filter(product_name__icontains=search)
    return orders.order_by("-created_at", "-pk")


@dataclass
class Page:
    items: list
    count: int


def order_page(
    *, viewer: User, status: str | None = None, search: str = "", limit: int = 20, offset: int = 0
) -> Page:
    """One page of orders with progress and quality figures, each fetched for the whole page at
    once: the number of queries does not grow with the orders or their batches."""
    orders = order_list(viewer=viewer, status=status, search=search)
    count = orders.count()
    items = attach_accepted(attach_progress(list(orders[offset : offset + limit])))
    return Page(items=items, count=count)


def order_get(*, viewer: User, order_id: int) -> Order:
    order = _orders_base(viewer).filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(detail={"order_id": order_id})
    return attach_accepted(attach_progress([order]))[0]


def order_batches(*, viewer: User, order_id: int) -> QuerySet[Batch]:
    """The batches of one order (its merchant, operators; others get 404)."""
    ensure_role(viewer, Role.MERCHANT, Role.OPERATOR)
    if not _orders_base(viewer).filter(pk=order_id).exists():
        raise OrderNotFound(detail={"order_id": order_id})
    return with_ticket_totals(
        Batch.objects.filter(order_id=order_id).select_related("order", "workshop__organisation")
    ).order_by("number")


def with_ticket_totals(batches: QuerySet[Batch]) -> QuerySet[Batch]:
    def total(column: str) -> Coalesce:
        tickets = (
            Ticket.objects.filter(batch=OuterRef("pk"))
            .order_by()
            .values("batch")
            .annotate(total=Sum(column))
            .values("total")
        )
        return Coalesce(
            Subquery(tickets, output_field=IntegerField()), Value(0), output_field=IntegerField()
        )

    return batches.annotate(
        pieces_issued=total("issued"), pieces_returned=total("returned"), pieces_lost=total("lost")
    )


def _visible_batches(viewer: User) -> QuerySet[Batch]:
    return scope(
        Batch.objects.select_related("order", "workshop__organisation"),
        viewer=viewer,
        merchant="order__merchant",
        workshop="workshop__organisation",
        service_center="workshop__organisation__service_center",
    )


def lead_workshop(viewer: User) -> Workshop | None:
    return (
        Workshop.objects.select_related("organisation")
        .filter(organisation_id=viewer.organisation_id)
        .first()
    )


class DaysUntil(Func):
    """Whole days from ``today`` to a date column (negative once it has passed)."""

    output_field = IntegerField()

    def __init__(self, column: str, today: date) -> None:
        super().__init__(F(column), Value(today, output_field=DateField()))

    def as_sql(self, compiler, connection, **extra):
        day, today = (compiler.compile(e) for e in self.source_expressions)
        sql = f"CAST(julianday({day[0]}) - julianday({today[0]}) AS INTEGER)"
        return sql, (*day[1], *today[1])

    def as_postgresql(self, compiler, connection, **extra):
        day, today = (compiler.compile(e) for e in self.source_expressions)
        return f"({day[0]} - CAST({today[0]} AS date))", (*day[1], *today[1])


class HourlyRank(Func):
    """The order's implied hourly earnings, fee × 60 / standard minutes, as a sort key that
    orders exactly as the Decimal figure does: integer ten-thousandths of a yuan × 60 over
    integer hundredths of a minute (PostgreSQL: numeric with 20 decimals; SQLite: one
    correctly rounded float division of two exact integers, so equal rates tie)."""

    output_field = FloatField()

    def __init__(self) -> None:
        super().__init__(F("order__fee_per_piece"), F("order__standard_minutes"))

    def as_sql(self, compiler, connection, **extra):
        fee, minutes = (compiler.compile(e) for e in self.source_expressions)
        sql = (
            f"(CAST(ROUND({fee[0]} * 10000) AS INTEGER) * 6000 * 1.0"
            f" / CAST(ROUND({minutes[0]} * 100) AS INTEGER))"
        )
        return sql, (*fee[1], *minutes[1])

    def as_postgresql(self, compiler, connection, **extra):
        fee, minutes = (compiler.compile(e) for e in self.source_expressions)
        sql = f"(CAST({fee[0]} * 60 AS numeric(40, 20)) / {minutes[0]})"
        return sql, (*fee[1], *minutes[1])


def claimable_batch_query(
    *, workshop: Workshop, today: date | None = None, order_id: int | None = None
) -> QuerySet[Batch]:
    """Open batches ``workshop`` may claim now, best first, filtered and sorted in the database.

    The rule of ``eligibility.may_claim`` in SQL: the order published and its deadline not
    come; the order's region open or the workshop's; no required skill the workshop lacks (NOT
    EXISTS); capacity, ``daily_capacity × days_left − outstanding ≥ quantity``, with the
    workshop's outstanding pieces counted once beforehand. Best first: highest implied hourly
    earnings (fee × 60 / standard minutes), then the nearest deadline, then the order's own
    batch order. ``tests/orders/test_claimable_sql.py`` checks it equals the Python rule.
    """
    today = today or timezone.localdate()
    if workshop.status != Workshop.Status.ACTIVE:
        return Batch.objects.none()
    outstanding = outstanding_pieces([workshop.pk])[workshop.pk]
    lacking = Order.required_skills.through.objects.filter(order_id=OuterRef("order_id")).exclude(
        skill_id__in=WorkshopSkill.objects.filter(workshop_id=workshop.pk).values("skill_id")
    )
    batches = (
        Batch.objects.filter(
            status=Batch.Status.OPEN,
            order__status=Order.Status.PUBLISHED,
            order__deadline__gt=today,
        )
        .filter(
            Q(order__service_center__isnull=True)
            | Q(order__service_center_id=workshop.organisation.service_center_id)
        )
        .filter(~Exists(lacking))
        .alias(days_left=DaysUntil("order__deadline", today))
        .filter(
            quantity__lte=ExpressionWrapper(
                Value(workshop.daily_capacity) * F("days_left") - Value(outstanding),
                output_field=IntegerField(),
            )
        )
        .alias(hourly=HourlyRank())
        .select_related("order")
        .order_by("-hourly", "order__deadline", "order_id", "number")
    )
    if order_id is not None:
        batches = batches.filter(order_id=order_id)
    return batches


def claimable_batches(
    *,
    workshop: Workshop,
    today: date | None = None,
    order_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Batch]:
    """Open batches ``workshop`` may claim now, best first (all, or ``limit`` from ``offset``).

    Filtered, sorted and sliced in the database (``claimable_batch_query``); the page returned
    is re-checked with the exact Python rule (``eligibility.may_claim``).
    """
    today = today or timezone.localdate()
    batches = claimable_batch_query(workshop=workshop, today=today, order_id=order_id)
    page = list(batches[offset:] if limit is None else batches[offset : offset + limit])
    if not page:
        return page
    fit = workshop_fits([workshop])[workshop.pk]
    needs = batch_needs(page)
    return [b for b in page if may_claim(needs[b.pk], fit, today)]


def batch_list(
    *, viewer: User, status: str | None = None, order_id: int | None = None
) -> QuerySet[Batch]:
    """Batches the viewer may see. A lead asking for ``status=open`` gets what it may claim,
    best first, as a query the caller slices (the API pages it in the database)."""
    if viewer.role == Role.LEAD and not is_operator(viewer) and status == Batch.Status.OPEN:
        workshop = lead_workshop(viewer)
        if workshop is None:
            return Batch.objects.none()
        return claimable_batch_query(workshop=workshop, order_id=order_id)
    batches = with_ticket_totals(_visible_batches(viewer))
    if status:
        batches = batches.filter(status=status)
    if order_id is not None:
        batches = batches.filter(order_id=order_id)
    return batches.order_by("order__deadline", "order_id", "number")


def batch_get(*, viewer: User, batch_id: int) -> Batch:
    batch = with_ticket_totals(_visible_batches(viewer)).filter(pk=batch_id).first()
    if batch is None and viewer.role == Role.LEAD:
        # An open batch is visible to a lead whose workshop may claim it.
        workshop = lead_workshop(viewer)
        if workshop is not None:
            batch = claimable_batch_query(workshop=workshop).filter(pk=batch_id).first()
    if batch is None:
        raise BatchNotFound(detail={"batch_id": batch_id})
    return batch


def batch_events(*, viewer: User, batch_id: int) -> QuerySet[BatchEvent]:
    """The audit trail of a batch: who moved it, when, from, to, why.

    Merchants, checkers and operators read the whole trail of batches they may see. A lead
    reads only batches its workshop holds, and of those only the events of its own workshop
    and of the platform (not another workshop's earlier claim of the same batch).
    """
    if not _visible_batches(viewer).filter(pk=batch_id).exists():
        raise BatchNotFound(detail={"batch_id": batch_id})
    events = BatchEvent.objects.filter(batch_id=batch_id)
    if viewer.role == Role.LEAD and not is_operator(viewer):
        org_id = viewer.organisation_id
        events = events.filter(
            Q(workshop__isnull=True) | Q(workshop__organisation_id=org_id),
            Q(actor__isnull=True) | Q(actor__organisation_id=org_id) | ~Q(actor__role=Role.LEAD),
        )
    return events.select_related("actor", "workshop__organisation").order_by("at", "pk")


def _visible_tickets(viewer: User) -> QuerySet[Ticket]:
    return scope(
        Ticket.objects.select_related("batch__order", "household"),
        viewer=viewer,
        merchant="batch__order__merchant",
        workshop="batch__workshop__organisation",
        service_center="batch__workshop__organisation__service_center",
    )


def ticket_list(*, viewer: User, batch_id: int, batch: Batch | None = None) -> QuerySet[Ticket]:
    """A batch's tickets. ``batch``: the same batch, already read through ``batch_get`` for
    this viewer (the batch page), so its visibility is not checked twice."""
    if batch is None or batch.pk != batch_id:
        batch_get(viewer=viewer, batch_id=batch_id)
    return _visible_tickets(viewer).filter(batch_id=batch_id).order_by("pk")


def ticket_get(*, viewer: User, ticket_id: int) -> Ticket:
    ticket = _visible_tickets(viewer).prefetch_related("returns").filter(pk=ticket_id).first()
    if ticket is None:
        raise TicketNotFound(detail={"ticket_id": ticket_id})
    return ticket


def returned_pieces_by_household(*, batch_id: int) -> dict[int, int]:
    """Pieces each household has handed back on this batch (quality's finished lots ≤ this)."""
    return {
        row["household_id"]: row["total"]
        for row in Ticket.objects.filter(batch_id=batch_id)
        .order_by()
        .values("household_id")
        .annotate(total=Sum("returned"))
        if row["total"]
    }


def order_photo_by_file(*, name: str) -> OrderPhoto | None:
    """The sample photo stored under ``name`` (its picture or its thumbnail), if any."""
    parts = name.split("/")  # orders/<order id>/<file>, as models.order_photo_path makes it
    if len(parts) != 3 or parts[0] != "orders" or not parts[1].isdigit():
        return None
    return (
        OrderPhoto.objects.filter(order_id=int(parts[1]))
        .filter(Q(image=name) | Q(thumbnail=name))
        .first()
    )


def order_photo_visible(*, viewer: User, photo: OrderPhoto) -> bool:
    """An order's sample photos: its merchant and operators, and the leads whose workshop
    holds one of its batches or may claim one now (the open-batch cards show the photo)."""
    order = Order.objects.filter(pk=photo.order_id)
    if scope(order, viewer=viewer, merchant="merchant").exists():
        return True
    if viewer.role != Role.LEAD:
        return False
    if _visible_batches(viewer).filter(order_id=photo.order_id).exists():
        return True
    workshop = lead_workshop(viewer)
    return (
        workshop is not None
        and claimable_batch_query(workshop=workshop, order_id=photo.order_id).exists()
    )


def pending_photo_get(*, viewer: User, token) -> PendingPhoto | None:
    """A photo the viewer chose on the order form and that is still kept (else None)."""
    return PendingPhoto.objects.filter(token=token, owner=viewer).first()


def minimum_wage_list(*, viewer: User, province: str = "") -> QuerySet[MinimumWage]:
    wages = MinimumWage.objects.select_related("recorded_by")
    if province:
        wages = wages.filter(province__startswith=province[:2])
    return wages.order_by("province", "-effective_from")


def minimum_wages_current() -> dict[str, MinimumWage]:
    return current_minimum_wages()
