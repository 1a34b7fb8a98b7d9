"""Reads: where every piece of a batch went, and an order's quality figures and completion summary.

A batch of ``quantity`` pieces is **accounted for** when

    quantity = pieces packed into finished lots + pieces lost on tickets + pieces lost
               (``PieceLoss``, with a reason)

(so nothing is still with a household, returned but unpacked, or never made without a
reason), and it is **settled** when, on top of that, no lot waits (not yet inspected, rejected
without a disposition, back for rework) and every decided lot with accepted pieces has been
received (``LotDelivery``). Rejected pieces of a decided lot are disposed by the decision itself
(sorted out, scrapped, or sample pieces rejected). A receipt's shortfall counts as lost.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from orders.models import Batch, Order, Ticket
from orders.selectors import order_get

from .models import Inspection, Lot, LotDelivery, PieceLoss, PieceOutcome

FPY_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")

WAITING_VERDICTS = (Lot.Verdict.PENDING, Lot.Verdict.REJECTED, Lot.Verdict.REWORK)


@dataclass(frozen=True)
class BatchAccount:
    quantity: int
    issued: int
    returned: int
    ticket_lost: int
    packed: int
    lost: int  # PieceLoss rows
    lots_waiting: int
    lots_to_receive: int

    @property
    def unaccounted(self) -> int:
        return self.quantity - self.packed - self.ticket_lost - self.lost

    @property
    def all_decided(self) -> bool:
        return self.unaccounted == 0 and self.lots_waiting == 0

    @property
    def settled(self) -> bool:
        return self.all_decided and self.lots_to_receive == 0


def lot_accepted_pieces(lot_ids: list[int]) -> dict[int, int]:
    """Accepted pieces per decided lot (absent: not decided)."""
    rows = (
        PieceOutcome.objects.filter(lot_id__in=lot_ids)
        .values("lot_id")
        .annotate(total=Sum("accepted"))
        .values_list("lot_id", "total")
    )
    return {lot_id: total or 0 for lot_id, total in rows}


def batch_account(*, batch_id: int) -> BatchAccount:
    batch = Batch.objects.only("quantity").get(pk=batch_id)
    tickets = Ticket.objects.filter(batch_id=batch_id).aggregate(
        issued=Sum("issued"), returned=Sum("returned"), lost=Sum("lost")
    )
    lots = list(
        Lot.objects.filter(batch_id=batch_id, kind=Lot.Kind.FINISHED)
        .annotate(received=Count("delivery"))
        .values("pk", "quantity", "verdict", "received")
    )
    accepted = lot_accepted_pieces([lot["pk"] for lot in lots])
    to_receive = sum(
        1
        for lot in lots
        if lot["verdict"] in (Lot.Verdict.ACCEPTED, Lot.Verdict.SORTED)
        and accepted.get(lot["pk"], 0) > 0
        and not lot["received"]
    )
    return BatchAccount(
        quantity=batch.quantity,
        issued=tickets["issued"] or 0,
        returned=tickets["returned"] or 0,
        ticket_lost=tickets["lost"] or 0,
        packed=sum(lot["quantity"] for lot in lots),
        lost=PieceLoss.objects.filter(batch_id=batch_id).aggregate(n=Sum("pieces"))["n"] or 0,
        lots_waiting=sum(1 for lot in lots if lot["verdict"] in WAITING_VERDICTS),
        lots_to_receive=to_receive,
    )


def lost_pieces_by_household(*, batch_id: int) -> dict[int, int]:
    """Returned pieces recorded lost before packing, per household (``PieceLoss`` rows)."""
    rows = (
        PieceLoss.objects.filter(batch_id=batch_id, household__isnull=False)
        .values("household_id")
        .annotate(total=Sum("pieces"))
        .values_list("household_id", "total")
    )
    return {hh: total or 0 for hh, total in rows}


# --- An order's quality figures (for every order of a page at once) -------------------------


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FPY_PLACES, ROUND_HALF_UP)


def quality_figures_by_order(order_ids: list[int]) -> dict[int, dict]:
    """Per order: pieces accepted (any round), rejected, reworked (accepted after rework) and
    first-pass yield (of the pieces in first-inspected lots, the share accepted at that first
    inspection; None before any). Three queries for any number of orders."""
    ids = list(order_ids)
    if not ids:
        return {}
    outcomes = (
        PieceOutcome.objects.filter(order_id__in=ids)
        .values("order_id")
        .annotate(
            accepted_total=Sum("accepted"),
            rejected_total=Sum("rejected"),
            reworked_total=Sum("accepted", filter=Q(is_rework=True)),
            first_passed=Sum(
                "accepted",
                filter=Q(inspection__round=1, inspection__verdict=Inspection.Verdict.ACCEPTED),
            ),
        )
    )
    inspected = dict(
        Inspection.objects.filter(round=1, lot__batch__order_id__in=ids)
        .values("lot__batch__order_id")
        .annotate(total=Sum("lot_size"))
        .values_list("lot__batch__order_id", "total")
    )
    figures: dict[int, dict] = {}
    for row in outcomes:
        figures[row["order_id"]] = {
            "accepted": row["accepted_total"] or 0,
            "rejected": row["rejected_total"] or 0,
            "reworked": row["reworked_total"] or 0,
            "first_pass_yield": _ratio(row["first_passed"] or 0, inspected.get(row["order_id"], 0)),
        }
    for order_id, total in inspected.items():
        figures.setdefault(
            order_id,
            {"accepted": 0, "rejected": 0, "reworked": 0, "first_pass_yield": _ratio(0, total)},
        )
    return figures


# --- The completion summary -----------------------------------------------------------------

# Payouts sits above quality: it hands in how much of an order's fees approved (or paid)
# periods have settled (order ids → fen) when the project starts (payouts.apps).
_fees_paid_readers: list = []


def fees_paid_reader_register(reader) -> None:
    """Set where fees paid per order come from (order ids → integer fen)."""
    _fees_paid_readers[:] = [reader]


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def order_summary(*, viewer: User, order_id: int, order: Order | None = None) -> dict:
    """What an order came to: pieces accepted / rejected / reworked / lost, first-pass yield,
    on-time share, fees owed and paid, households and workshops reached (its merchant and
    operators; others 404 through ``order_get``). ``order``: the same order, already read
    through ``order_get`` for this viewer (the order page), so it is not read twice."""
    if order is None or order.pk != order_id:
        order = order_get(viewer=viewer, order_id=order_id)
    figures = quality_figures_by_order([order.pk]).get(
        order.pk, {"accepted": 0, "rejected": 0, "reworked": 0, "first_pass_yield": None}
    )
    batches = list(Batch.objects.filter(order_id=order.pk).values("pk", "status", "quantity"))
    batch_ids = [b["pk"] for b in batches]
    ticket_lost = Ticket.objects.filter(batch_id__in=batch_ids).aggregate(n=Sum("lost"))["n"] or 0
    loss_rows = PieceLoss.objects.filter(batch_id__in=batch_ids).aggregate(n=Sum("pieces"))["n"]
    deliveries = list(
        LotDelivery.objects.filter(lot__batch__order_id=order.pk).values(
            "packed", "received", "received_at"
        )
    )
    shortfall = sum(max(d["packed"] - d["received"], 0) for d in deliveries)
    surplus = sum(max(d["received"] - d["packed"], 0) for d in deliveries)
    on_time = sum(1 for d in deliveries if _local_day(d["received_at"]) <= order.deadline)
    # Fees: accepted pieces × fee (reworked ones at the rework fee), rounded once to the fen.
    first_time = figures["accepted"] - figures["reworked"]
    owed = (first_time * order.fee_per_piece + figures["reworked"] * order.rework_fee).quantize(
        CENT, ROUND_HALF_UP
    )
    paid = None
    if _fees_paid_readers:
        paid_fen = _fees_paid_readers[0]([order.pk]).get(order.pk, 0)
        paid = (Decimal(paid_fen) / 100).quantize(CENT)
    reached = Ticket.objects.filter(batch_id__in=batch_ids).aggregate(
        households=Count("household_id", distinct=True),
        workshops=Count("batch__workshop_id", distinct=True),
    )
    closed = sum(1 for b in batches if b["status"] == Batch.Status.CLOSED)
    cancelled = sum(1 for b in batches if b["status"] == Batch.Status.CANCELLED)
    return {
        "order_id": order.pk,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "completed_at": order.completed_at,
        "deadline": order.deadline,
        "batches": len(batches),
        "batches_closed": closed,
        "batches_cancelled": cancelled,
        "pieces_accepted": figures["accepted"],
        "pieces_rejected": figures["rejected"],
        "pieces_reworked": figures["reworked"],
        "pieces_lost": ticket_lost + (loss_rows or 0) + shortfall,
        "pieces_received": sum(d["received"] for d in deliveries),
        "pieces_surplus": surplus,
        "first_pass_yield": figures["first_pass_yield"],
        "lots_received": len(deliveries),
        "lots_on_time": on_time,
        "on_time_share": _ratio(on_time, len(deliveries)),
        "fees_owed": owed,
        "fees_paid": paid,
        "households_reached": reached["households"],
        "workshops_reached": reached["workshops"],
    }


def lots_to_receive(*, viewer: User, limit: int = 50) -> list:
    """Finished lots decided with accepted pieces and not received yet, oldest first, each
    with ``pieces_accepted`` (what should arrive): a merchant's goods on their way."""
    from .selectors import lot_scope

    lots = list(
        lot_scope(Lot.objects.all(), viewer=viewer)
        .filter(
            kind=Lot.Kind.FINISHED,
            verdict__in=(Lot.Verdict.ACCEPTED, Lot.Verdict.SORTED),
            delivery__isnull=True,
        )
        .select_related("batch__order", "workshop")
        .annotate(pieces_accepted=Sum("outcomes__accepted"))
        .filter(pieces_accepted__gt=0)
        .order_by("created_at", "pk")[:limit]
    )
    return lots


def receipts_recent(*, viewer: User, limit: int = 10) -> list:
    """The latest receipts the viewer may see, newest first, with their batch and order."""
    from .selectors import lot_scope

    return list(
        lot_scope(LotDelivery.objects.all(), viewer=viewer, prefix="lot__")
        .select_related("lot__batch__order", "received_by")
        .order_by("-received_at", "-pk")[:limit]
    )
