"""Material balance per batch: materials sent against pieces returned, within a tolerance."""

from decimal import Decimal

import pytest

from orders.models import Batch
from quality.models import MaterialTolerance

from .factories import make_batch, material_lot, returned

pytestmark = pytest.mark.django_db


def balance(api, user, batch):
    response = api.as_user(user).get(f"/quality/batches/{batch.pk}/material-balance")
    assert response.status_code == 200, response.content
    return response.json()


def test_within_the_default_two_percent_is_not_flagged(api, operator, workshop):
    batch = make_batch(workshop)
    material_lot(batch, 600)
    material_lot(batch, 400)
    returned(batch, pieces=985)
    body = balance(api, operator, batch)
    assert (body["materials_sent"], body["pieces_returned"], body["shortfall"]) == (1000, 985, 15)
    assert (body["allowed_shortfall"], body["off"]) == (20, False)


def test_beyond_the_products_tolerance_is_flagged(api, checker, workshop):
    batch = make_batch(workshop)
    MaterialTolerance.objects.create(
        product=batch.order.product_name, tolerance_percent=Decimal("1.00")
    )
    material_lot(batch, 1000)
    returned(batch, pieces=985)
    body = balance(api, checker, batch)
    assert (body["allowed_shortfall"], body["off"]) == (10, True)


def test_more_returned_than_sent_is_flagged(api, operator, workshop):
    batch = make_batch(workshop)
    material_lot(batch, 100)
    returned(batch, pieces=120)
    assert balance(api, operator, batch)["off"] is True


def test_other_regions_checker_cannot_read_the_balance(api, workshop, other_region_checker):
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    response = api.as_user(other_region_checker).get(
        f"/quality/batches/{batch.pk}/material-balance"
    )
    assert response.status_code == 404
