"""Property tests of the pure money rules: every split sums exactly to what it splits."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payouts.money import (
    Share,
    apportion,
    fee_to_units,
    format_yuan,
    split_pool,
    units_to_fen,
    yuan_to_fen,
)

weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40)
shares = st.one_of(
    st.builds(
        Share,
        st.just(Share.PERCENT),
        st.decimals(min_value=0, max_value=60, places=2).map(Decimal),
    ),
    st.builds(
        Share,
        st.just(Share.PER_PIECE),
        st.decimals(min_value=0, max_value=3, places=4).map(Decimal),
    ),
)


@given(total=st.integers(min_value=0, max_value=10**12), weights=weights)
def test_apportion_sums_exactly_and_each_part_is_within_a_fen(total, weights):
    if sum(weights) == 0:
        total = 0
    parts = apportion(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, sum(weights)) if sum(weights) else 0
        assert 0 <= part and abs(part - exact) < 1


@given(
    total=st.integers(min_value=0, max_value=10**6),
    weight=st.integers(1, 1000),
    n=st.integers(2, 9),
)
def test_equal_remainders_go_to_the_earlier_part(total, weight, n):
    parts = apportion(total, [weight] * n)
    assert parts == sorted(parts, reverse=True)
    assert max(parts) - min(parts) <= 1


@given(
    pool=st.integers(min_value=0, max_value=10**10),
    pieces=st.integers(min_value=0, max_value=10**7),
    lead=shares,
    center=shares,
)
def test_a_pool_splits_three_ways_to_the_fen(pool, pieces, lead, center):
    split = split_pool(pool_fen=pool, pieces=pieces, lead=lead, center=center)
    assert split.households + split.lead + split.center == pool
    assert min(split.households, split.lead, split.center) >= 0


def test_per_line_rounding_is_once_and_half_up():
    assert units_to_fen(fee_to_units("0.3333") * 15) == 500  # 4.9995 → 5.00
    assert units_to_fen(49) == 0 and units_to_fen(50) == 1 and units_to_fen(149) == 1
    assert yuan_to_fen("12.345") == 1235 and format_yuan(1235) == "12.35"


@given(
    fee=st.decimals(min_value="0.0001", max_value="99.9999", places=4), pieces=st.integers(0, 10**6)
)
def test_integer_units_agree_with_decimal_half_up(fee, pieces):
    expected = (fee * pieces).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert units_to_fen(fee_to_units(fee) * pieces) == int(expected * 100)


def test_fee_with_more_than_four_places_is_refused():
    with pytest.raises(ValueError):
        fee_to_units("0.12345")
