"""An approved period's page and API read the figures kept at approval (counts,
reconciliation, top workshops) instead of re-aggregating its outcomes on every view; a draft or
computed period is still aggregated. The kept figures are what a re-aggregation gives."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from payouts.models import PayoutPeriod
from payouts.selectors import period_detail, period_figures_compute
from payouts.services import period_approve, period_compute, period_create
from quality.models import PieceOutcome

from .factories import at, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db
OUTCOMES = PieceOutcome._meta.db_table


def approved_month(operator, workshop, *, households: int, month: int) -> PayoutPeriod:
    order = make_order(fee="0.3500")
    first = date(2026, month, 1)
    for n, household in enumerate(make_households(workshop, households)):
        make_outcome(household, order, accepted=10 + n, decided_at=at(first + timedelta(days=9)))
    period = period_create(
        actor=operator, name=f"{month}月", starts_on=first, ends_on=first + timedelta(days=27)
    )
    period_compute(period_id=period.pk, actor=operator)
    return period_approve(period_id=period.pk, actor=operator)


def page_queries(operator, period_id: int) -> tuple[int, list[str], str]:
    client = Client()
    client.force_login(operator)
    client.get(f"/ops/payouts/{period_id}/")  # session and caches warmed
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/ops/payouts/{period_id}/")
    assert response.status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response


def test_approval_keeps_the_figures_a_re_aggregation_gives(operator, computed_period):
    period_approve(period_id=computed_period.pk, actor=operator)
    period = PayoutPeriod.objects.get(pk=computed_period.pk)
    assert period.status == PayoutPeriod.Status.APPROVED
    assert period.figures == period_figures_compute(period_id=period.pk)
    assert period.figures["household_count"] == 3
    assert period.figures["statement_count"] == 3
    assert period.figures["reconciliation"]["balanced"] is True
    assert [row["accepted"] for row in period.figures["workshops"]] == [147]


def test_an_approved_period_page_reads_no_outcome(operator, workshop):
    period = approved_month(operator, workshop, households=3, month=4)
    _count, sql, response = page_queries(operator, period.pk)
    assert not [query for query in sql if OUTCOMES in query]
    assert response.context["period"].household_count == 3
    assert response.context["period"].reconciliation["balanced"] is True


def test_the_approved_period_page_shows_what_was_kept(operator, workshop):
    period = approved_month(operator, workshop, households=2, month=4)
    figures = dict(period.figures, household_count=999)  # as if kept so; nothing recounts it
    PayoutPeriod.objects.filter(pk=period.pk).update(figures=figures)
    _count, _sql, response = page_queries(operator, period.pk)
    assert response.context["period"].household_count == 999


def test_the_approved_period_page_query_count_is_the_same_for_2_and_20_households(
    operator, workshop
):
    small = approved_month(operator, workshop, households=2, month=4)
    large = approved_month(operator, workshop, households=20, month=5)
    small_count, _, small_page = page_queries(operator, small.pk)
    large_count, _, large_page = page_queries(operator, large.pk)
    assert (small_page.context["period"].household_count, len(small_page.context["lines"])) == (
        2,
        2,
    )
    assert (large_page.context["period"].household_count, len(large_page.context["lines"])) == (
        20,
        20,
    )
    assert large_count == small_count


def test_a_computed_period_is_aggregated_on_each_view(operator, computed_period):
    assert PayoutPeriod.objects.get(pk=computed_period.pk).figures is None
    detail = period_detail(viewer=operator, period_id=computed_period.pk)
    assert detail.household_count == 3
    assert (
        detail.reconciliation
        == period_figures_compute(period_id=computed_period.pk)["reconciliation"]
    )


def test_the_period_api_of_an_approved_period_gives_the_kept_reconciliation(
    api, operator, workshop
):
    period = approved_month(operator, workshop, households=3, month=4)
    body = api.as_user(operator).get(f"/payouts/periods/{period.pk}").json()
    assert body["household_count"] == 3
    assert body["reconciliation"]["balanced"] is True
    again = period_figures_compute(period_id=period.pk)["reconciliation"]
    assert [(row["id"], row["pieces"]) for row in body["reconciliation"]["orders"]] == [
        (row["id"], row["pieces"]) for row in again["orders"]
    ]
    assert body["reconciliation"]["orders"][0]["expected"] == "11.55"  # 10+11+12 pieces × ¥0.35
