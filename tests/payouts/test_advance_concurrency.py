"""Races on PostgreSQL with real threads: an advance is never recovered twice by two computes,
and an advance recorded during a compute is recovered whole or left for the next one."""

from datetime import date

import pytest
from django.db.models import Sum

from payouts.models import Advance, AdvanceRecovery, PayoutPeriod
from payouts.selectors import period_reconciliation
from payouts.services import advance_create, period_compute, period_create

from .factories import at, make_households, make_order, make_outcome
from .test_concurrency import needs_postgres, run_together

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["needs_postgres"]


def test_two_scopes_computing_at_once_recover_an_advance_once(needs_postgres, operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order(fee="1.0000")
    make_outcome(household, order, accepted=10)  # claimed by one of the two periods
    # a correction bonus in each period gives both a net to recover from
    advance = advance_create(
        actor=operator, household_id=household.pk, amount="25", reason="预支", paid_at=at()
    )
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
    from payouts.services import adjustment_create

    for period in (everything, one_workshop):
        adjustment_create(
            actor=operator,
            period_id=period.pk,
            household_id=household.pk,
            kind="bonus",
            amount="10",
            reason="奖励",
        )
    for _ in range(3):
        results = run_together(
            lambda: period_compute(period_id=everything.pk, actor=operator),
            lambda: period_compute(period_id=one_workshop.pk, actor=operator),
        )
        assert all(isinstance(r, PayoutPeriod) for r in results), results
        total = AdvanceRecovery.objects.filter(advance=advance).aggregate(t=Sum("amount_fen"))
        # 10 + 10 of bonuses and 10 of pieces: 30 of net, 25 advanced: all of it, once
        assert total["t"] == 2500
        for period in (everything, one_workshop):
            assert period_reconciliation(period=PayoutPeriod.objects.get(pk=period.pk))["balanced"]


def test_an_advance_recorded_during_a_compute_is_recovered_whole_or_not_at_all(
    needs_postgres, operator, workshop
):
    households = make_households(workshop, 3)
    order = make_order(fee="1.0000")
    for household in households:
        make_outcome(household, order, accepted=10)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    results = run_together(
        lambda: period_compute(period_id=period.pk, actor=operator),
        lambda: advance_create(
            actor=operator,
            household_id=households[0].pk,
            amount="4",
            reason="预支",
            paid_at=at(),
        ),
    )
    assert isinstance(results[0], PayoutPeriod) and isinstance(results[1], Advance), results
    recovered = AdvanceRecovery.objects.filter(period=period).aggregate(t=Sum("amount_fen"))["t"]
    assert recovered in (None, 400)
    # the next compute recovers it if this one did not see it
    period_compute(period_id=period.pk, actor=operator)
    assert AdvanceRecovery.objects.get(period=period).amount_fen == 400
