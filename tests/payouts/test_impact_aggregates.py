"""The impact figures kept at approval equal a count from scratch, and /ops/ reads them in a
fixed number of queries however many statements there are."""

from datetime import date

import pytest
from django.conf import settings

from payouts.models import ImpactMonth, ImpactTotals, Statement
from payouts.reporting import impact_rebuild, impact_recount, payout_impact
from payouts.services import (
    adjustment_create,
    period_approve,
    period_compute,
    period_create,
    period_mark_paid,
)
from tests.factories import make_workshop

from .factories import at, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def _approve(operator, name, starts_on, ends_on):
    period = period_create(actor=operator, name=name, starts_on=starts_on, ends_on=ends_on)
    period = period_compute(period_id=period.pk, actor=operator)
    return period_approve(period_id=period.pk, actor=operator)


def _rows(rows):
    return [(r.month, r.province, r.households, r.total_fen) for r in rows]


def _assert_kept_equals_recount(operator):
    households, rows = impact_recount()
    kept = payout_impact(viewer=operator)
    assert kept.households_earning == households
    assert _rows(kept.by_region_month) == _rows(rows)
    return kept


def test_three_periods_and_a_correction_keep_what_a_recount_finds(operator, workshop):
    sichuan = make_households(workshop, 3)
    yunnan = make_households(make_workshop(province="云南"), 1)
    order = make_order(fee="0.5000")
    for household, pieces in zip(sichuan, (100, 40, 7), strict=True):
        make_outcome(household, order, accepted=pieces, decided_at=at(date(2026, 3, 10)))
    march = _approve(operator, "三月", date(2026, 3, 1), date(2026, 3, 31))
    period_mark_paid(period_id=march.pk, actor=operator, payment_reference="B-03")
    kept = _assert_kept_equals_recount(operator)
    assert kept.households_earning == 3

    # April in two halves: sichuan[0] earns in both (counted once in April), yunnan[0] earns
    # for the first time, sichuan[1] only through a bonus that corrects March.
    make_outcome(sichuan[0], order, accepted=20, decided_at=at(date(2026, 4, 5)))
    make_outcome(yunnan[0], order, accepted=60, decided_at=at(date(2026, 4, 6)))
    _approve(operator, "四月上", date(2026, 4, 1), date(2026, 4, 15))
    make_outcome(sichuan[0], order, accepted=10, decided_at=at(date(2026, 4, 20)))
    late = period_create(
        actor=operator, name="四月下", starts_on=date(2026, 4, 16), ends_on=date(2026, 4, 30)
    )
    adjustment_create(
        actor=operator,
        period_id=late.pk,
        household_id=sichuan[1].pk,
        kind="bonus",
        amount="3.00",
        reason="三月少算",
        corrects_period_id=march.pk,
    )
    period_compute(period_id=late.pk, actor=operator)
    period_approve(period_id=late.pk, actor=operator)

    kept = _assert_kept_equals_recount(operator)
    assert kept.households_earning == 4
    april = {r.province: r for r in kept.by_region_month if r.month == date(2026, 4, 1)}
    assert (april["四川"].households, april["云南"].households) == (2, 1)
    sichuan_april = Statement.objects.filter(
        period__ends_on__month=4, household__in=sichuan, total_fen__gt=0
    )
    assert april["四川"].total_fen == sum(sichuan_april.values_list("total_fen", flat=True))
    assert april["四川"].total_fen == (20 + 10) * 50 + 300  # pieces at 0.50 plus the bonus
    assert kept.by_region_month[0].month == date(2026, 4, 1)  # newest first


def test_a_computed_period_is_not_counted_and_rebuild_changes_nothing(operator, computed_period):
    assert payout_impact(viewer=operator).by_region_month == []
    period_approve(period_id=computed_period.pk, actor=operator)
    before = _rows(payout_impact(viewer=operator).by_region_month)
    assert ImpactTotals.objects.get(pk=1).households_earning == 3
    ImpactMonth.objects.all().delete()
    impact_rebuild()
    assert _rows(payout_impact(viewer=operator).by_region_month) == before
    _assert_kept_equals_recount(operator)


def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, operator, workshop, django_assert_num_queries
):
    order = make_order()
    for month in (3, 4, 5):
        for household in make_households(workshop, 4):
            make_outcome(household, order, accepted=10, decided_at=at(date(2026, month, 10)))
        _approve(operator, f"{month}月", date(2026, month, 1), date(2026, month, 28))
    client.force_login(operator)
    client.get("/ops/")  # the session's first request may touch more
    # session, user, periods' gross, households earning, months, the trainee counts (one
    # query), workshops, scan exceptions, household payments waiting, the inbox badge: none
    # grows with statements or periods (the session from the cache when Redis is configured)
    session = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    with django_assert_num_queries(9 + session):
        response = client.get("/ops/")
    assert response.status_code == 200
    assert payout_impact(viewer=operator).households_earning == 12
