import pytest

from orders.models import Batch, BatchEvent, Order
from orders.services import batch_claim, batch_start_production
from tests.conftest import ApiClient
from tests.factories import make_workshop

from .factories import first_batch, make_order, make_published_order

pytestmark = pytest.mark.django_db


def test_cancel_stops_what_has_not_started_and_says_which_batches_carry_on(
    api, merchant, outbox, django_capture_on_commit_callbacks
):
    order = make_published_order(merchant, quantity=1200, batch_size=300)
    first, second, third, fourth = order.batches.order_by("number")
    started, holder = make_workshop(), make_workshop()
    batch_claim(actor=started.lead, batch_id=first.pk)
    batch_start_production(batch_id=first.pk, actor=started.lead)
    batch_claim(actor=holder.lead, batch_id=second.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(merchant).post(f"/orders/{order.pk}/cancel", {"reason": "客户撤单"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["order"]["status"] == "cancelled"
    assert [b["id"] for b in body["cancelled"]] == [second.pk, third.pk, fourth.pk]
    assert [(b["id"], b["status"]) for b in body["not_cancelled"]] == [(first.pk, "in_production")]
    statuses = dict(Batch.objects.filter(order=order).values_list("number", "status"))
    assert statuses == {1: "in_production", 2: "cancelled", 3: "cancelled", 4: "cancelled"}
    assert BatchEvent.objects.filter(to_status="cancelled", reason="客户撤单").count() == 3
    assert body["order"]["progress"]["cancelled"] == 900
    assert body["order"]["progress"]["in_production"] == 300
    assert [(n.kind, n.user_id) for n in outbox] == [("batch_cancelled", holder.lead.pk)]


def test_cancelling_a_draft_creates_no_batches(api, merchant):
    order = make_order(merchant)
    response = api.as_user(merchant).post(f"/orders/{order.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["cancelled"] == []
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert not Batch.objects.exists()


def test_cancelling_twice_is_409(api, merchant):
    order = make_published_order(merchant)
    api.as_user(merchant).post(f"/orders/{order.pk}/cancel")
    response = api.post(f"/orders/{order.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "order_not_cancellable"


def test_a_cancelled_batch_cannot_be_claimed(merchant):
    order = make_published_order(merchant)
    ApiClient().as_user(merchant).post(f"/orders/{order.pk}/cancel")
    lead = make_workshop().lead
    response = ApiClient().as_user(lead).post(f"/batches/{first_batch(order).pk}/claim")
    assert response.json()["code"] == "batch_not_open"


def test_progress_counts_follow_the_batches(api, merchant, workshop):
    order = make_published_order(merchant, quantity=1000, batch_size=300)
    batches = list(order.batches.order_by("number"))
    batch_claim(actor=workshop.lead, batch_id=batches[0].pk)
    other = make_workshop()
    batch_claim(actor=other.lead, batch_id=batches[1].pk)
    batch_start_production(batch_id=batches[1].pk, actor=other.lead)
    progress = api.as_user(merchant).get(f"/orders/{order.pk}").json()["progress"]
    assert progress == {
        "open": 400,
        "claimed": 300,
        "in_production": 300,
        "returned": 0,
        "accepted": 0,
        "cancelled": 0,
    }


def test_an_order_page_costs_the_same_queries_for_3_or_12_orders(api, merchant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api.as_user(merchant)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/orders?limit=50").status_code == 200
        return len(captured.captured_queries)

    for _ in range(3):
        make_published_order(merchant, quantity=600, batch_size=300)
    make_order(merchant)
    queries_for_page()  # the token's first use is recorded once; not part of the page
    few = queries_for_page()
    for _ in range(8):
        make_published_order(merchant, quantity=600, batch_size=300)
    make_order(merchant)
    assert queries_for_page() == few


@pytest.mark.django_db(transaction=True)
def test_claims_racing_a_cancel_leave_no_batch_held_by_a_cancelled_order():
    import threading

    from django.db import connection

    from orders.services import order_cancel

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    order = make_published_order(quantity=3000, batch_size=300)  # 10 batches
    batches = list(order.batches.order_by("number"))
    workshops = [make_workshop(daily_capacity=5000) for _ in batches]
    barrier = threading.Barrier(len(batches) + 1)

    def claim(workshop, batch):
        try:
            barrier.wait()
            try:
                batch_claim(actor=workshop.lead, batch_id=batch.pk)
            except Exception:  # noqa: S110 - losing to the cancel is an expected outcome
                pass
        finally:
            connection.close()

    def cancel():
        try:
            barrier.wait()
            order_cancel(actor=order.created_by, order_id=order.pk)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=claim, args=pair) for pair in zip(workshops, batches, strict=True)
    ]
    threads.append(threading.Thread(target=cancel))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert set(Batch.objects.filter(order=order).values_list("status", flat=True)) == {
        Batch.Status.CANCELLED
    }
