"""Payout lines through the API: deep pages by cursor (``?after=`` the previous page's ``next``),
sought in the (pool, household) index; the list is counted on its first page only; the
limit/offset contract still holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payouts.models import PayoutLine
from payouts.services import period_compute, period_create
from tests.factories import make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def period_of_30_lines(operator):
    """Two workshops, two orders: 30 lines over 4 pools."""
    from datetime import date

    for size in (8, 7):
        households = make_households(make_workshop(), size)
        for order in (make_order(fee="0.5000"), make_order(fee="0.2000")):
            for n, household in enumerate(households, start=1):
                make_outcome(household, order, accepted=n)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    return period_compute(period_id=period.pk, actor=operator)


def walk(client, period_id: int, limit: int) -> tuple[list[dict], list[dict]]:
    pages, lines, after = [], [], None
    while True:
        query = {"limit": limit, **({"after": after} if after else {})}
        response = client.get(f"/payouts/periods/{period_id}/lines", query)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body)
        lines += body["items"]
        after = body["next"]
        if after is None:
            return pages, lines


def test_walking_by_cursor_gives_every_line_once_in_key_order(api, operator, period_of_30_lines):
    client = api.as_user(operator)
    pages, lines = walk(client, period_of_30_lines.pk, limit=7)
    stored = list(
        PayoutLine.objects.filter(pool__period=period_of_30_lines)
        .order_by("pool_id", "household_id")
        .values_list("pk", flat=True)
    )
    assert len(stored) == 30
    assert [line["id"] for line in lines] == stored
    assert [len(page["items"]) for page in pages] == [7, 7, 7, 7, 2]
    assert pages[0]["count"] == 30  # counted once, on the first page
    assert all(page["count"] is None for page in pages[1:])


def test_a_cursor_page_runs_no_count_and_as_many_queries_as_the_first(
    api, operator, period_of_30_lines
):
    client = api.as_user(operator)
    url = f"/payouts/periods/{period_of_30_lines.pk}/lines"
    first = client.get(url, {"limit": 5}).json()
    with CaptureQueriesContext(connection) as deep:
        client.get(url, {"limit": 5, "after": first["next"]})
    assert not [q for q in deep.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q for q in deep.captured_queries if "OFFSET" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as twenty:
        client.get(url, {"limit": 20, "after": first["next"]})
    assert len(twenty.captured_queries) == len(deep.captured_queries)


def test_offset_pages_still_work_and_agree_with_the_cursor(api, operator, period_of_30_lines):
    client = api.as_user(operator)
    url = f"/payouts/periods/{period_of_30_lines.pk}/lines"
    _pages, by_cursor = walk(client, period_of_30_lines.pk, limit=10)
    by_offset = []
    for offset in (0, 10, 20):
        body = client.get(url, {"limit": 10, "offset": offset}).json()
        by_offset += body["items"]
        assert body["count"] == (30 if offset == 0 else None)
    assert [line["id"] for line in by_offset] == [line["id"] for line in by_cursor]


@pytest.mark.parametrize("after", ["abc", "1.2.3.4.5", "-1", "1;DROP", "9" * 40])
def test_a_malformed_cursor_is_refused_with_422(api, operator, period_of_30_lines, after):
    response = api.as_user(operator).get(
        f"/payouts/periods/{period_of_30_lines.pk}/lines", {"after": after}
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"


def test_a_lead_walks_only_its_own_workshops_lines(api, operator, period_of_30_lines):
    line = PayoutLine.objects.filter(pool__period=period_of_30_lines).first()
    lead = line.pool.workshop.lead
    _pages, lines = walk(api.as_user(lead), period_of_30_lines.pk, limit=4)
    own = PayoutLine.objects.filter(
        pool__period=period_of_30_lines, pool__workshop=line.pool.workshop
    )
    assert sorted(item["id"] for item in lines) == sorted(own.values_list("pk", flat=True))
    assert {item["workshop_id"] for item in lines} == {line.pool.workshop_id}
