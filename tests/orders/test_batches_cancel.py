"""Cancelling a published order's unclaimed batches (``order_batches_cancel``,
``POST /orders/{id}/batches/cancel``): open ones only, all or nothing, with event rows."""

import threading

import pytest
from django.db import connection

from orders.models import Batch, BatchEvent, Order
from orders.services import batch_claim, order_batches_cancel
from tests.factories import make_user, make_workshop

from .factories import make_merchant, make_order, make_published_order

pytestmark = pytest.mark.django_db


def statuses(order) -> list[str]:
    return list(
        Batch.objects.filter(order=order).order_by("number").values_list("status", flat=True)
    )


def test_the_api_cancels_the_named_open_batches_with_an_event_each(api, merchant):
    order = make_published_order(merchant, quantity=900, batch_size=300)
    first, _second, third = order.batches.order_by("number")
    response = api.as_user(merchant).post(
        f"/orders/{order.pk}/batches/cancel",
        {"batch_ids": [third.pk, first.pk], "reason": "客户减量"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [b["number"] for b in body["cancelled"]] == [1, 3]
    assert body["order"]["status"] == "published"
    assert body["order"]["progress"]["cancelled"] == 600
    assert statuses(order) == ["cancelled", "open", "cancelled"]
    assert list(
        BatchEvent.objects.filter(to_status="cancelled").values_list("from_status", "reason")
    ) == [("open", "客户减量"), ("open", "客户减量")]


def test_without_names_every_open_batch_goes_and_a_claimed_one_stays(api, merchant):
    order = make_published_order(merchant, quantity=900, batch_size=300)
    claimed = order.batches.order_by("number")[1]
    batch_claim(actor=make_workshop().lead, batch_id=claimed.pk)
    response = api.as_user(merchant).post(f"/orders/{order.pk}/batches/cancel", {})
    assert response.status_code == 200, response.content
    assert statuses(order) == ["cancelled", "claimed", "cancelled"]
    assert BatchEvent.objects.filter(to_status="cancelled", reason="batches_cancelled").count() == 2


def test_naming_a_claimed_batch_is_409_and_cancels_none(api, merchant):
    order = make_published_order(merchant, quantity=900, batch_size=300)
    first, second, _third = order.batches.order_by("number")
    batch_claim(actor=make_workshop().lead, batch_id=second.pk)
    response = api.as_user(merchant).post(
        f"/orders/{order.pk}/batches/cancel", {"batch_ids": [first.pk, second.pk]}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "batch_not_cancellable"
    assert body["detail"]["batches"] == [{"id": second.pk, "number": 2, "status": "claimed"}]
    assert statuses(order) == ["open", "claimed", "open"]
    assert not BatchEvent.objects.filter(to_status="cancelled").exists()


def test_nothing_open_left_is_409(api, merchant):
    order = make_published_order(merchant, quantity=300, batch_size=300)
    batch_claim(actor=make_workshop().lead, batch_id=order.batches.get().pk)
    response = api.as_user(merchant).post(f"/orders/{order.pk}/batches/cancel", {})
    assert response.status_code == 409 and response.json()["code"] == "no_open_batches"


def test_the_last_batches_cancelled_cancel_the_order(api, merchant):
    order = make_published_order(merchant, quantity=600, batch_size=300)
    response = api.as_user(merchant).post(f"/orders/{order.pk}/batches/cancel", {})
    assert response.json()["order"]["status"] == "cancelled"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


@pytest.mark.parametrize(
    ("batch_ids", "code"), [([], "batches_not_chosen"), ([987654], "batch_not_found")]
)
def test_bad_names_are_refused(api, merchant, batch_ids, code):
    order = make_published_order(merchant, quantity=600, batch_size=300)
    response = api.as_user(merchant).post(
        f"/orders/{order.pk}/batches/cancel", {"batch_ids": batch_ids}
    )
    assert response.json()["code"] == code
    assert statuses(order) == ["open", "open"]


def test_a_batch_of_another_order_is_not_found(api, merchant):
    order = make_published_order(merchant, quantity=600, batch_size=300)
    other = make_published_order(merchant, quantity=300, batch_size=300)
    response = api.as_user(merchant).post(
        f"/orders/{order.pk}/batches/cancel", {"batch_ids": [other.batches.get().pk]}
    )
    assert response.status_code == 404
    assert statuses(other) == ["open"]


def test_a_draft_has_no_batches_to_cancel(api, merchant):
    order = make_order(merchant)
    response = api.as_user(merchant).post(f"/orders/{order.pk}/batches/cancel", {})
    assert response.status_code == 409 and response.json()["code"] == "order_not_published"


def test_another_merchant_gets_404_and_a_lead_403(api, merchant):
    order = make_published_order(merchant, quantity=600, batch_size=300)
    response = api.as_user(make_merchant()).post(f"/orders/{order.pk}/batches/cancel", {})
    assert response.status_code == 404
    response = api.as_user(make_user("lead")).post(f"/orders/{order.pk}/batches/cancel", {})
    assert response.status_code == 403
    assert statuses(order) == ["open", "open"]


@pytest.mark.django_db(transaction=True)
def test_claims_racing_a_cancel_of_every_open_batch_leave_each_batch_with_one_outcome():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    order = make_published_order(quantity=3000, batch_size=300)  # 10 batches
    batches = list(order.batches.order_by("number"))
    workshops = [make_workshop(daily_capacity=5000) for _ in batches]
    barrier = threading.Barrier(len(batches) + 1)
    won: list[int] = []
    cancelled: list[int] = []

    def claim(workshop, batch):
        try:
            barrier.wait()
            try:
                won.append(batch_claim(actor=workshop.lead, batch_id=batch.pk).pk)
            except Exception:  # noqa: S110 - losing to the cancel is an expected outcome
                pass
        finally:
            connection.close()

    def cancel():
        try:
            barrier.wait()
            result = order_batches_cancel(actor=order.created_by, order_id=order.pk)
            cancelled.extend(b.pk for b in result.cancelled)
        except Exception:  # noqa: S110 - every claim may win first (no_open_batches)
            pass
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
    final = dict(Batch.objects.filter(order=order).values_list("pk", "status"))
    assert sorted(won + cancelled) == sorted(final)  # every batch: claimed or cancelled, once
    assert {final[pk] for pk in won} <= {"claimed"}
    assert {final[pk] for pk in cancelled} <= {"cancelled"}
    assert BatchEvent.objects.filter(to_status="cancelled").count() == len(cancelled)
