"""The API of goods received, losses and the completion summary: status codes, error codes,
a refusal changes nothing; two receipts of one lot racing on PostgreSQL (one wins)."""

import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Batch, Order
from quality.models import Lot, LotDelivery, PieceLoss
from tests.conftest import ApiClient
from tests.factories import make_user
from tests.quality.factories import finished_lot, inspect, make_batch, make_order, returned
from tests.quality.loop_factories import accepted_lot


def receipt(api, lot, user=None, **body):
    body = {"key": str(uuid.uuid4()), "received": lot.quantity, **body}
    return api.as_user(user or lot.batch.order.created_by).post(f"/lots/{lot.code}/receipt", body)


@pytest.mark.django_db
def test_a_receipt_answers_201_and_a_resend_200_with_the_same_body(api, workshop, checker):
    lot, _ = accepted_lot(workshop, checker)
    key = str(uuid.uuid4())
    first = receipt(api, lot, key=key, received=98, reason="少两件")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["packed"] == 100 and body["received"] == 98 and body["shortfall"] == 2
    assert (body["lot_stage"], body["batch_status"], body["order_status"]) == (
        "delivered",
        "closed",
        "completed",
    )
    again = receipt(api, lot, key=key, received=98, reason="少两件")
    assert again.status_code == 200 and again.json() == body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"received": 90}, 400, "delivery_reason_required"),
        ({"received": -3, "reason": "x"}, 400, "delivery_count_invalid"),
        ({"received": "many"}, 422, "validation_error"),
    ],
)
def test_a_bad_receipt_is_refused_with_its_code_and_changes_nothing(
    api, workshop, checker, body, status, code
):
    lot, _ = accepted_lot(workshop, checker)
    response = receipt(api, lot, **body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not LotDelivery.objects.exists()
    assert Lot.objects.get(pk=lot.pk).stage == Lot.Stage.INSPECTED
    assert Batch.objects.get(pk=lot.batch_id).status == Batch.Status.INSPECTED


@pytest.mark.django_db
def test_who_may_receive(api, workshop, checker, merchant):
    lot, _ = accepted_lot(workshop, checker)
    assert receipt(api, lot, merchant).status_code == 404  # another company's goods
    assert receipt(ApiClient(), lot, checker).json()["code"] == "role_not_allowed"
    assert receipt(ApiClient(), lot, workshop.lead).status_code == 403
    assert receipt(ApiClient(), lot).status_code == 201


@pytest.mark.django_db
def test_a_lot_not_yet_decided_is_409_lot_not_deliverable(api, workshop):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=20)
    lot = finished_lot(batch, {returned(batch, pieces=20): 20})
    response = receipt(api, lot)
    assert (response.status_code, response.json()["code"]) == (409, "lot_not_deliverable")


@pytest.mark.django_db
def test_a_loss_through_the_api(api, workshop, checker):
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=30)
    household = returned(batch, pieces=30)
    inspect(finished_lot(batch, {household: 27}), checker)
    client = api.as_user(workshop.lead)
    refused = client.post(f"/batches/{batch.pk}/losses", {"pieces": 3, "reason": ""})
    assert (refused.status_code, refused.json()["code"]) == (400, "loss_reason_required")
    created = client.post(
        f"/batches/{batch.pk}/losses",
        {"pieces": 3, "reason": "晾晒时被风吹走", "household_id": household.pk},
    )
    assert created.status_code == 201, created.content
    assert created.json()["batch_status"] == "inspected"  # the lot still waits to be received
    assert PieceLoss.objects.get().reason == "晾晒时被风吹走"
    other = ApiClient().as_user(make_user("lead"))
    assert other.post(f"/batches/{batch.pk}/losses", {"pieces": 1, "reason": "x"}).status_code in (
        403,
        404,
    )


@pytest.mark.django_db
def test_the_summary_is_the_merchants_and_the_operators(api, workshop, checker, merchant, operator):
    lot, _ = accepted_lot(workshop, checker, fee="0.40")
    receipt(api, lot)
    path = f"/orders/{lot.batch.order_id}/summary"
    body = ApiClient().as_user(lot.batch.order.created_by).get(path).json()
    assert body["status"] == "completed"
    assert (body["pieces_accepted"], body["pieces_rejected"], body["pieces_lost"]) == (100, 0, 0)
    assert (body["first_pass_yield"], body["on_time_share"]) == ("1.0000", "1.0000")
    assert (body["fees_owed"], body["fees_paid"]) == ("40.00", "0.00")
    assert ApiClient().as_user(operator).get(path).status_code == 200
    assert ApiClient().as_user(merchant).get(path).status_code == 404


@pytest.mark.django_db
def test_the_merchants_orders_carry_quality_figures_with_a_flat_query_count(api, workshop, checker):
    lot, _households = accepted_lot(workshop, checker)
    merchant = lot.batch.order.created_by
    client = ApiClient().as_user(merchant)
    body = client.get(f"/orders/{lot.batch.order_id}").json()
    assert body["quality"] == {
        "accepted": 100,
        "rejected": 0,
        "reworked": 0,
        "first_pass_yield": "1.0000",
    }
    assert body["progress"]["accepted"] == 100

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/orders").status_code == 200
        return len(queries)

    one = list_queries()
    for _ in range(3):
        order = make_order()
        Order.objects.filter(pk=order.pk).update(merchant=merchant.organisation)
        accepted_lot(workshop, checker, order=order)
    items = client.get("/orders").json()["items"]
    assert len(items) == 4 and all(i["quality"]["accepted"] == 100 for i in items)
    assert list_queries() == one


@pytest.mark.django_db(transaction=True)
def test_two_receipts_of_one_lot_racing_exactly_one_wins(workshop, checker):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    lot, _ = accepted_lot(workshop, checker)
    merchant = lot.batch.order.created_by
    operator = make_user("operator")
    clients = [ApiClient().as_user(merchant), ApiClient().as_user(operator)]
    barrier = threading.Barrier(len(clients))
    results: list[tuple[int, str | None]] = []
    guard = threading.Lock()

    def send(client: ApiClient) -> None:
        try:
            barrier.wait()
            response = client.post(
                f"/lots/{lot.code}/receipt", {"key": str(uuid.uuid4()), "received": 100}
            )
            error = response.json().get("code") if response.status_code >= 400 else None
            with guard:
                results.append((response.status_code, error))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=lambda r: r[0]) == [(201, None), (409, "lot_already_received")]
    assert LotDelivery.objects.count() == 1
    assert Batch.objects.get(pk=lot.batch_id).status == Batch.Status.CLOSED
    assert Order.objects.get(pk=lot.batch.order_id).status == Order.Status.COMPLETED
