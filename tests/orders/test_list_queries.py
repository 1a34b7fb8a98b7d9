"""The merchant's order lists and the lead's open-batch list run a fixed number of queries,
however many orders, batches and tickets the page holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.selectors import order_page
from tests.factories import make_workshop

from .factories import batch_in_production, make_merchant, make_published_order, make_ticket

pytestmark = pytest.mark.django_db


def queries(run) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


def test_the_order_list_query_count_does_not_grow_with_orders_and_batches(db):
    merchant = make_merchant()
    make_published_order(merchant, quantity=600, batch_size=300)
    small = queries(lambda: order_page(viewer=merchant))
    workshop = make_workshop(daily_capacity=5000)
    for _ in range(4):
        make_published_order(merchant, quantity=3000, batch_size=100)
    batch = batch_in_production(workshop, merchant=merchant, quantity=600, batch_size=300)
    make_ticket(batch, quantity=40)
    make_ticket(batch, quantity=30)
    page = order_page(viewer=merchant)
    assert page.count == 6 and sum(o.batch_count for o in page.items) == 2 + 4 * 30 + 2
    assert queries(lambda: order_page(viewer=merchant)) == small


def test_the_orders_api_query_count_does_not_grow_with_orders(api):
    merchant = make_merchant()
    make_published_order(merchant, quantity=600, batch_size=300)
    client = api.as_user(merchant)
    client.get("/orders")  # the token and caches warmed
    small = queries(lambda: client.get("/orders"))
    for _ in range(5):
        make_published_order(merchant, quantity=2000, batch_size=100)
    response = None

    def run():
        nonlocal response
        response = client.get("/orders")

    assert queries(run) == small
    assert response.json()["count"] == 6


def test_the_open_batch_api_query_count_does_not_grow_with_open_batches(api):
    workshop = make_workshop(daily_capacity=100_000)
    make_published_order(quantity=600, batch_size=300)
    client = api.as_user(workshop.lead)
    client.get("/batches?status=open&limit=20")
    small = queries(lambda: client.get("/batches?status=open&limit=20"))
    for _ in range(4):
        make_published_order(quantity=3000, batch_size=100)
    response = None

    def run():
        nonlocal response
        response = client.get("/batches?status=open&limit=20")

    assert queries(run) == small
    assert response.json()["count"] == 2 + 4 * 30
    assert len(response.json()["items"]) == 20
