"""Goods received, batches closed, orders completed (quality.services.delivery, losses)."""

import uuid

import pytest

from core.errors import ApplicationError
from orders.models import Batch, BatchEvent, Order, OrderEvent
from orders.services import batch_mark_returned
from quality.accounting import order_summary
from quality.models import Inspection, Lot, LotDelivery, PieceLoss, ScanEvent
from quality.services import inspection_dispose, lot_receive, piece_loss_record
from tests.factories import make_user
from tests.quality.factories import finished_lot, inspect, make_batch, returned
from tests.quality.loop_factories import accepted_lot

pytestmark = pytest.mark.django_db


def receive(lot, user=None, received=None, reason="", key=None):
    user = user or lot.batch.order.created_by
    return lot_receive(
        actor=user,
        code=lot.code,
        received=lot.quantity if received is None else received,
        reason=reason,
        key=key or uuid.uuid4(),
    )


def code_of(excinfo) -> str:
    return excinfo.value.code


def test_receipt_delivers_the_lot_closes_the_batch_and_completes_the_order(workshop, checker):
    lot, _ = accepted_lot(workshop, checker)
    merchant = lot.batch.order.created_by
    assert Batch.objects.get(pk=lot.batch_id).status == Batch.Status.INSPECTED

    delivery, created = receive(lot, merchant)

    assert created
    assert (delivery.packed, delivery.received, delivery.received_by) == (100, 100, merchant)
    lot.refresh_from_db()
    assert lot.stage == Lot.Stage.DELIVERED
    scan = ScanEvent.objects.get(lot=lot, action=ScanEvent.Action.DELIVERED)
    assert (scan.actor, scan.applied, delivery.scan) == (merchant, True, scan)
    closed = BatchEvent.objects.get(batch_id=lot.batch_id, to_status=Batch.Status.CLOSED)
    assert (closed.from_status, closed.actor, closed.reason) == (
        Batch.Status.INSPECTED,
        merchant,
        "all_pieces_accounted",
    )
    order = Order.objects.get(pk=lot.batch.order_id)
    assert order.status == Order.Status.COMPLETED and order.completed_at is not None
    event = OrderEvent.objects.get(order=order)
    assert (event.from_status, event.to_status, event.actor) == ("published", "completed", merchant)


def test_a_difference_without_a_reason_is_refused_and_changes_nothing(workshop, checker):
    lot, _ = accepted_lot(workshop, checker)
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot, received=97)
    assert code_of(excinfo) == "delivery_reason_required"
    assert excinfo.value.detail == {"packed": 100, "received": 97}
    assert not LotDelivery.objects.exists()
    assert not ScanEvent.objects.filter(action=ScanEvent.Action.DELIVERED).exists()
    assert Lot.objects.get(pk=lot.pk).stage == Lot.Stage.INSPECTED
    assert Batch.objects.get(pk=lot.batch_id).status == Batch.Status.INSPECTED


def test_a_shortfall_with_a_reason_is_recorded_and_counts_as_lost(workshop, checker):
    lot, _ = accepted_lot(workshop, checker)
    delivery, _ = receive(lot, received=97, reason="运输途中丢失 3 件")
    assert (delivery.shortfall, delivery.surplus, delivery.reason) == (3, 0, "运输途中丢失 3 件")
    assert Batch.objects.get(pk=lot.batch_id).status == Batch.Status.CLOSED
    summary = order_summary(viewer=lot.batch.order.created_by, order_id=lot.batch.order_id)
    assert (summary["pieces_lost"], summary["pieces_received"]) == (3, 97)


def test_a_surplus_with_a_reason_is_recorded(workshop, checker):
    lot, _ = accepted_lot(workshop, checker)
    delivery, _ = receive(lot, received=101, reason="多装了一件")
    assert (delivery.surplus, delivery.shortfall) == (1, 0)


@pytest.mark.parametrize("count", [-1, 1_000_001])
def test_an_impossible_count_is_refused(workshop, checker, count):
    lot, _ = accepted_lot(workshop, checker)
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot, received=count, reason="x")
    assert code_of(excinfo) == "delivery_count_invalid"
    assert not LotDelivery.objects.exists()


def test_a_lot_not_yet_inspected_is_not_deliverable(workshop):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=50)
    lot = finished_lot(batch, {returned(batch, pieces=50): 50})
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot)
    assert code_of(excinfo) == "lot_not_deliverable"
    assert excinfo.value.status == 409
    assert not LotDelivery.objects.exists()


def test_a_scrapped_lot_is_not_deliverable_and_its_batch_closes_without_a_receipt(
    workshop, checker
):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=50)
    lot = finished_lot(batch, {returned(batch, pieces=50): 50})
    inspection = inspect(lot, checker, ("broken", "critical", 1, None))
    assert inspection.verdict == Inspection.Verdict.REJECTED
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.RETURNED  # waits for disposal

    inspection_dispose(actor=checker, inspection_id=inspection.pk, disposition="scrap")

    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CLOSED
    assert Order.objects.get(pk=batch.order_id).status == Order.Status.COMPLETED
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot)
    assert code_of(excinfo) == "lot_not_deliverable"


def test_a_lot_is_received_once_a_resend_gets_the_first_answer(workshop, checker):
    lot, _ = accepted_lot(workshop, checker)
    key = uuid.uuid4()
    first, created = receive(lot, key=key)
    again, created_again = receive(lot, key=key)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot)  # another key: a second receipt
    assert code_of(excinfo) == "lot_already_received"
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot, key=key, received=90, reason="x")  # the same key, another count
    assert code_of(excinfo) == "delivery_key_reused"
    assert LotDelivery.objects.count() == 1
    assert ScanEvent.objects.filter(action=ScanEvent.Action.DELIVERED).count() == 1


def test_only_the_orders_merchant_or_an_operator_receives(workshop, checker, operator, merchant):
    lot, _ = accepted_lot(workshop, checker)
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot, merchant)  # another company
    assert code_of(excinfo) == "lot_not_found"
    with pytest.raises(ApplicationError) as excinfo:
        receive(lot, checker)  # checkers are scoped to a region, not to a merchant's goods
    assert excinfo.value.status == 403
    with pytest.raises(ApplicationError):
        receive(lot, workshop.lead)
    assert not LotDelivery.objects.exists()
    receive(lot, operator)
    assert LotDelivery.objects.get().received_by == operator


def test_the_batch_stays_inspected_until_every_accepted_lot_is_received(workshop, checker):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=80)
    a, b = returned(batch, pieces=50), returned(batch, pieces=30)
    first, second = finished_lot(batch, {a: 50}), finished_lot(batch, {b: 30})
    inspect(first, checker)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.RETURNED  # a lot still waits
    inspect(second, checker)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.INSPECTED
    receive(first)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.INSPECTED
    receive(second)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CLOSED


def test_an_order_completes_only_when_every_batch_is_closed_or_cancelled(workshop, checker):
    lot, _ = accepted_lot(workshop, checker)
    order = lot.batch.order
    second, _ = accepted_lot(workshop, checker, order=order)
    Batch.objects.create(order=order, number=99, quantity=10, status=Batch.Status.CANCELLED)
    receive(lot)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PUBLISHED
    assert not OrderEvent.objects.exists()
    receive(second)
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_a_batch_marked_returned_after_its_lot_was_received_closes_then(workshop, checker):
    batch = make_batch(workshop, quantity=40)  # in production
    household = returned(batch, pieces=40)
    lot = finished_lot(batch, {household: 40})
    inspect(lot, checker)
    receive(lot)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.IN_PRODUCTION

    batch_mark_returned(batch_id=batch.pk, actor=workshop.lead)

    statuses = list(
        BatchEvent.objects.filter(batch=batch).values_list("to_status", flat=True).order_by("pk")
    )
    assert statuses == ["returned", "inspected", "closed"]
    assert Order.objects.get(pk=batch.order_id).status == Order.Status.COMPLETED


# --- losses -----------------------------------------------------------------------------------


def test_pieces_lost_before_packing_let_the_batch_close(workshop, checker):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=53)
    household = returned(batch, pieces=53)
    lot = finished_lot(batch, {household: 50})
    inspect(lot, checker)
    receive(lot)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.RETURNED  # 3 unaccounted

    loss, created = piece_loss_record(
        actor=workshop.lead,
        batch_id=batch.pk,
        pieces=3,
        reason="农户家中受潮损坏",
        household_id=household.pk,
    )

    assert created and (loss.pieces, loss.household, loss.recorded_by) == (
        3,
        household,
        workshop.lead,
    )
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CLOSED
    summary = order_summary(viewer=batch.order.created_by, order_id=batch.order_id)
    assert summary["pieces_lost"] == 3


def test_lost_pieces_cannot_be_packed_afterwards(workshop):
    batch = make_batch(workshop, quantity=10)
    household = returned(batch, pieces=10)
    piece_loss_record(
        actor=workshop.lead, batch_id=batch.pk, pieces=4, reason="丢失", household_id=household.pk
    )
    with pytest.raises(ApplicationError) as excinfo:
        finished_lot(batch, {household: 7})
    assert code_of(excinfo) == "lot_share_above_returned"
    finished_lot(batch, {household: 6})


def test_a_loss_needs_a_reason_and_stays_within_what_is_unaccounted(workshop):
    batch = make_batch(workshop, quantity=10)
    household = returned(batch, pieces=6)
    for pieces, reason, household_id, code in [
        (1, "  ", household.pk, "loss_reason_required"),
        (0, "丢失", household.pk, "loss_pieces_invalid"),
        (7, "丢失", household.pk, "loss_above_unaccounted"),
        (2, "丢失", None, "loss_household_required"),  # in production: the ticket's job
    ]:
        with pytest.raises(ApplicationError) as excinfo:
            piece_loss_record(
                actor=workshop.lead,
                batch_id=batch.pk,
                pieces=pieces,
                reason=reason,
                household_id=household_id,
            )
        assert code_of(excinfo) == code
    assert not PieceLoss.objects.exists()


def test_pieces_never_made_are_lost_without_a_household_once_returned(workshop, checker):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=60)
    lot = finished_lot(batch, {returned(batch, pieces=50): 50})
    inspect(lot, checker)
    receive(lot)
    with pytest.raises(ApplicationError) as excinfo:
        piece_loss_record(actor=workshop.lead, batch_id=batch.pk, pieces=11, reason="原料不足")
    assert code_of(excinfo) == "loss_above_unaccounted"
    key = uuid.uuid4()
    piece_loss_record(actor=workshop.lead, batch_id=batch.pk, pieces=10, reason="原料不足", key=key)
    _, created = piece_loss_record(
        actor=workshop.lead, batch_id=batch.pk, pieces=10, reason="原料不足", key=key
    )
    assert not created and PieceLoss.objects.count() == 1
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CLOSED


def test_another_workshops_lead_cannot_record_a_loss(workshop, other_workshop):
    batch = make_batch(workshop, quantity=10)
    household = returned(batch, pieces=10)
    with pytest.raises(ApplicationError) as excinfo:
        piece_loss_record(
            actor=other_workshop.lead,
            batch_id=batch.pk,
            pieces=1,
            reason="丢失",
            household_id=household.pk,
        )
    assert code_of(excinfo) == "batch_not_found"
    with pytest.raises(ApplicationError) as excinfo:
        piece_loss_record(actor=make_user("merchant"), batch_id=batch.pk, pieces=1, reason="丢失")
    assert excinfo.value.status == 403


# --- the summary --------------------------------------------------------------------------


def test_the_summary_adds_up_pieces_yield_on_time_and_fees(workshop, checker):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=100, fee="0.35")
    a, b = returned(batch, pieces=80), returned(batch, pieces=20)
    lot = finished_lot(batch, {a: 80, b: 20})
    inspect(lot, checker, ("stain", "minor", 1, b))  # accepted: Ac 1 at lot 100 (F, n=20)
    receive(lot, received=99, reason="少一件")
    summary = order_summary(viewer=batch.order.created_by, order_id=batch.order_id)
    assert summary["status"] == "completed"
    assert (summary["pieces_accepted"], summary["pieces_rejected"]) == (99, 1)
    assert (summary["pieces_reworked"], summary["pieces_lost"]) == (0, 0)  # 99 of 99 arrived
    assert str(summary["first_pass_yield"]) == "0.9900"
    assert (summary["lots_received"], summary["lots_on_time"]) == (1, 1)
    assert str(summary["on_time_share"]) == "1.0000"
    assert str(summary["fees_owed"]) == "34.65"  # 99 × 0.35
    assert str(summary["fees_paid"]) == "0.00"
    assert (summary["households_reached"], summary["workshops_reached"]) == (2, 1)
