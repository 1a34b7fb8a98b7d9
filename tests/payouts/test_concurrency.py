"""Races on PostgreSQL with real threads: one approval wins; one claim per inspection."""

import threading
from datetime import date

import pytest
from django.db import connection

from core.errors import ApplicationError
from payouts.models import LedgerEntry, PayoutClaim, PayoutPeriod, Statement
from payouts.services import period_approve, period_compute, period_create
from tests.factories import make_user

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls):
    """Start every call at once in its own thread; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the refusal is the point
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers)")


def test_two_operators_approving_at_once_make_one_approval(needs_postgres, workshop):
    from accounts.models import User

    first_op = make_user(User.Role.OPERATOR)
    second_op = make_user(User.Role.OPERATOR)
    households = make_households(workshop, 3)
    order = make_order(fee="0.4200")
    for household in households:
        make_outcome(household, order, accepted=25)
    period = period_create(
        actor=first_op, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=first_op)
    results = run_together(
        lambda: period_approve(period_id=period.pk, actor=first_op),
        lambda: period_approve(period_id=period.pk, actor=second_op),
    )
    winners = [r for r in results if isinstance(r, PayoutPeriod)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "payout_period_locked"
    assert Statement.objects.filter(period=period).count() == 3
    assert LedgerEntry.objects.filter(period=period, kind="household_payable").count() == 3
    assert PayoutPeriod.objects.get(pk=period.pk).status == "approved"


def test_two_scopes_computing_at_once_pay_each_piece_once(needs_postgres, operator, workshop):
    households = make_households(workshop, 4)
    order = make_order(fee="0.3000")
    for household in households:
        make_outcome(household, order, accepted=10)
    everything = period_create(
        actor=operator, name="全部", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    one_workshop = period_create(
        actor=operator,
        name="工坊",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        scope="workshop",
        workshop_id=workshop.pk,
    )
    results = run_together(
        lambda: period_compute(period_id=everything.pk, actor=operator),
        lambda: period_compute(period_id=one_workshop.pk, actor=operator),
    )
    assert all(isinstance(r, PayoutPeriod) for r in results), results
    assert sum(r.pieces for r in results) == 40
    assert PayoutClaim.objects.count() == 4
