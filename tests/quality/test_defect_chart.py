import pytest

from quality.selectors import defects_by_kind

from .factories import inspect, lot_with_households

pytestmark = pytest.mark.django_db


def test_defects_are_summed_by_kind_for_the_order_most_first(checker, workshop):
    lot, (a, _b) = lot_with_households(workshop, [60, 40])
    inspect(lot, checker, ("stain", "minor", 1, a), ("loose_knot", "major", 2, None))
    other, _ = lot_with_households(workshop, [50])
    inspect(other, checker, ("stain", "minor", 3, None))

    assert defects_by_kind(order_id=lot.batch.order_id) == [
        ("loose_knot", "结松", 2),
        ("stain", "污渍", 1),
    ]
    assert defects_by_kind(order_id=other.batch.order_id) == [("stain", "污渍", 3)]
