"""The share a story page promises households (before any period is paid) is compute's split."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from payouts.models import PayoutShareConfig
from payouts.money import Share, fee_to_units, split_pool
from payouts.reporting import configured_households_share
from tests.factories import make_user, make_workshop

pytestmark = pytest.mark.django_db

kinds = st.sampled_from([Share.PERCENT, Share.PER_PIECE])
values = st.decimals(min_value=0, max_value=100, places=2)
fees = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9.9999"), places=4)


@pytest.fixture
def workshop():
    return make_workshop()


@pytest.fixture
def operator():
    return make_user(User.Role.OPERATOR)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fee=fees, lead_kind=kinds, lead=values, center_kind=kinds, center=values)
def test_the_promised_share_is_what_compute_would_split(
    workshop, operator, fee, lead_kind, lead, center_kind, center
):
    PayoutShareConfig.objects.update_or_create(
        workshop=workshop,
        defaults={
            "lead_kind": lead_kind,
            "lead_value": lead,
            "center_kind": center_kind,
            "center_value": center,
            "updated_by": operator,
        },
    )
    promised = configured_households_share(workshop_id=workshop.pk, fee=fee)
    # Compute's split of 10,000 pieces, to the fen: the promised fraction of that pool is
    # within a fen of what households would get (capping included).
    pieces = 10_000
    pool_fen = fee_to_units(fee) * pieces // 100
    split = split_pool(
        pool_fen=pool_fen,
        pieces=pieces,
        lead=Share(lead_kind, lead),
        center=Share(center_kind, center),
    )
    assert 0 <= promised <= 1
    assert abs(Fraction(promised) * pool_fen - split.households) <= 1


def test_shares_beyond_the_fee_leave_households_nothing_not_less(workshop, operator):
    PayoutShareConfig.objects.create(
        workshop=workshop,
        lead_kind=Share.PER_PIECE,
        lead_value=Decimal("0.80"),
        center_kind=Share.PERCENT,
        center_value=Decimal("50"),
        updated_by=operator,
    )
    assert configured_households_share(workshop_id=workshop.pk, fee=Decimal("2.00")) == Decimal(
        "0.1"
    )
    assert configured_households_share(workshop_id=workshop.pk, fee=Decimal("1.00")) == 0


def test_no_settings_pay_households_the_whole_fee_and_no_fee_promises_nothing(workshop):
    assert configured_households_share(workshop_id=workshop.pk, fee=Decimal("0.35")) == 1
    assert configured_households_share(workshop_id=workshop.pk, fee=None) is None
