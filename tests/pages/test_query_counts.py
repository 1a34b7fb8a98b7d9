"""The heaviest pages and API calls run a fixed number of queries, whatever the rows on them:
each is measured with 2 rows and with 20, and both counts must equal the pinned one. (The N+1
detector, django-zeal, also runs on every page and call of the suite; this pins the totals.)

Pinned elsewhere at two sizes: ``GET /api/v1/orders``, ``GET /api/v1/batches?status=open`` and
the order list (tests/orders/test_list_queries.py), ``/ops/`` (tests/payouts/
test_impact_aggregates.py), ``/ops/payouts/{id}/`` (tests/payouts/test_period_figures.py) and
the payout lines (tests/payouts/test_line_keyset.py).
"""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from payouts.models import Statement
from payouts.services import period_approve, period_compute, period_create
from tests.factories import bearer, make_household, make_user, make_workshop
from tests.orders.factories import make_merchant, make_published_order
from tests.payouts import factories as payout_factories
from tests.quality.factories import finished_lot, make_batch, returned

pytestmark = pytest.mark.django_db

# What each page or call runs today, rows or not (session and user included).
# A lead's pages run one query more than before local time: its workshop's time zone
# (workshops.middleware.LocalTimeMiddleware), unless the lead chose a zone of their own.
PINNED = {
    "/work/": 9,
    "/shop/": 11,
    # the order read once (its summary reuses it), the newest lot per batch without shares
    "/shop/orders/{id}/": 22,
    "POST /api/v1/lots/{code}/inspections": 24,
    "/scan/": 4,
    # the statement, its lines, adjustments, premiums, advance recoveries, its payment, its
    # conversion (paid abroad) and the household: flat in the lines
    "/s/{token}/": 8,
}
# Where PostgreSQL runs one query fewer than SQLite (the inspection's locking path differs).
PINNED_ON_POSTGRES = {"POST /api/v1/lots/{code}/inspections": 23}
# Pages signed in by a session read it from the database, unless Redis is configured: then
# sessions are cached_db (config/settings.py) and a warmed page reads its session from the cache.
SESSION_PAGES = {"/work/", "/shop/", "/shop/orders/{id}/", "/scan/"}


def session_queries() -> int:
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


def count(run) -> int:
    run()  # sessions, tokens and caches warmed
    with CaptureQueriesContext(connection) as ctx:
        response = run()
    assert response.status_code in (200, 201), response.content[:500]
    return len(ctx.captured_queries)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pinned(name: str, small: int, large: int) -> None:
    assert small == large, f"{name}: {small} queries with 2 rows, {large} with 20"
    expected = PINNED[name]
    if connection.vendor == "postgresql":
        expected = PINNED_ON_POSTGRES.get(name, expected)
    if name in SESSION_PAGES:
        expected -= 1 - session_queries()
    assert large == expected, f"{name}: {large} queries, pinned at {expected}"


def test_lead_open_batches_page(db):
    workshop = make_workshop(daily_capacity=100_000)
    client = signed_in(workshop.lead)
    make_published_order(quantity=600, batch_size=300)
    small = count(lambda: client.get("/work/"))
    make_published_order(quantity=5400, batch_size=300)
    response = client.get("/work/")
    large = count(lambda: client.get("/work/"))
    assert response.content.decode().count("/claim/") >= 20
    pinned("/work/", small, large)


def test_merchant_orders_page(db):
    merchant = make_merchant()
    client = signed_in(merchant)
    for _ in range(2):
        make_published_order(merchant, quantity=600, batch_size=300)
    small = count(lambda: client.get("/shop/"))
    for _ in range(18):
        make_published_order(merchant, quantity=600, batch_size=300)
    large = count(lambda: client.get("/shop/"))
    pinned("/shop/", small, large)


def test_merchant_order_page(db):
    merchant = make_merchant()
    client = signed_in(merchant)
    few = make_published_order(merchant, quantity=600, batch_size=300)
    many = make_published_order(merchant, quantity=6000, batch_size=300)
    assert (few.batches.count(), many.batches.count()) == (2, 20)
    small = count(lambda: client.get(f"/shop/orders/{few.pk}/"))
    large = count(lambda: client.get(f"/shop/orders/{many.pk}/"))
    pinned("/shop/orders/{id}/", small, large)


def test_lot_inspection_post(db):
    workshop = make_workshop()
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    headers = bearer(checker)
    client = Client()
    counts = []
    for households in (1, 2, 20):  # the first warms the token, the plan and switching state
        batch = make_batch(workshop, quantity=households * 10)
        shares = {returned(batch, pieces=10): 10 for _ in range(households)}
        lot = finished_lot(batch, shares)
        url = f"/api/v1/lots/{lot.code}/inspections"
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                url, {"defects": []}, content_type="application/json", headers=headers
            )
        assert response.status_code == 201, response.content
        counts.append(len(ctx.captured_queries))
    pinned("POST /api/v1/lots/{code}/inspections", *counts[1:])


def test_scan_page(db):
    workshop = make_workshop()
    client = signed_in(workshop.lead)
    small = count(lambda: client.get("/scan/"))
    for _ in range(20):
        make_household(workshop)
    large = count(lambda: client.get("/scan/"))
    pinned("/scan/", small, large)


def test_statement_link_page(db):
    operator = make_user(User.Role.OPERATOR)
    workshop = make_workshop()
    few, many = make_household(workshop), make_household(workshop)
    decided = payout_factories.at(date(2026, 3, 10))
    for n in range(20):
        order = payout_factories.make_order(fee="0.5000")
        if n < 2:
            payout_factories.make_outcome(few, order, accepted=10 + n, decided_at=decided)
        payout_factories.make_outcome(many, order, accepted=10 + n, decided_at=decided)
    first = date(2026, 3, 1)
    period = period_create(
        actor=operator, name="三月", starts_on=first, ends_on=first + timedelta(days=27)
    )
    period_compute(period_id=period.pk, actor=operator)
    period_approve(period_id=period.pk, actor=operator)
    client = Client()
    counts = []
    for household, lines in ((few, 2), (many, 20)):
        token = Statement.objects.get(period=period, household=household).token
        response = client.get(f"/s/{token}/")
        assert len(response.context["lines"]) == lines
        counts.append(count(lambda t=token: client.get(f"/s/{t}/")))
    pinned("/s/{token}/", *counts)
