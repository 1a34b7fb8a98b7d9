import pytest

from core.errors import Forbidden
from payouts.models import Statement
from payouts.reporting import payout_impact

pytestmark = pytest.mark.django_db


def test_computed_money_does_not_count_until_approved(operator, computed_period):
    impact = payout_impact(viewer=operator)
    assert (impact.households_earning, impact.paid_fen, impact.approved_unpaid_fen) == (0, 0, 0)
    assert impact.by_region_month == []


def test_approved_then_paid_money_counts_per_province_and_month(
    api, operator, computed_period, tasks
):
    api.as_user(operator).post(f"/payouts/periods/{computed_period.pk}/approve")
    tasks.run()
    computed_period.refresh_from_db()
    impact = payout_impact(viewer=operator)
    statements = Statement.objects.filter(period=computed_period, total_fen__gt=0)
    assert impact.households_earning == statements.count() == 3
    assert impact.approved_unpaid_fen == computed_period.gross_fen
    assert impact.paid_fen == 0
    [row] = impact.by_region_month
    assert row.households == 3
    assert row.total_fen == sum(statements.values_list("total_fen", flat=True))
    assert row.month.month == computed_period.ends_on.month

    api.post(f"/payouts/periods/{computed_period.pk}/paid", {"payment_reference": "B1"})
    impact = payout_impact(viewer=operator)
    assert (impact.paid_fen, impact.approved_unpaid_fen) == (computed_period.gross_fen, 0)


def test_only_operators_see_the_impact(lead, computed_period):
    with pytest.raises(Forbidden):
        payout_impact(viewer=lead)
