import pytest

from .factories import make_households, make_order, make_outcome


@pytest.fixture
def computed_period(operator, workshop):
    """Three households of one workshop with accepted pieces on one order, computed."""
    from datetime import date

    from payouts.services import period_compute, period_create

    households = make_households(workshop, 3)
    order = make_order(fee="0.3500")
    for household, pieces in zip(households, (100, 40, 7), strict=True):
        make_outcome(household, order, accepted=pieces)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period = period_compute(period_id=period.pk, actor=operator)
    period.households_list = households
    return period
