"""A lot of no pieces is a clear 400, not a 500 dressed up as a code collision (issue 12)."""

import pytest
from django.test import Client

from core.errors import ApplicationError
from orders.models import Batch
from quality.models import Lot
from quality.services import lot_create

from .factories import make_batch, returned

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["material", "finished"])
def test_lot_of_zero_pieces_is_refused_with_its_own_code(lead, workshop, kind):
    status = Batch.Status.CLAIMED if kind == "material" else Batch.Status.IN_PRODUCTION
    batch = make_batch(workshop, status=status)
    with pytest.raises(ApplicationError) as refused:
        lot_create(actor=lead, batch_id=batch.pk, kind=kind, quantity=0, shares=[])
    assert refused.value.status == 400
    assert refused.value.code == "lot_quantity_invalid"
    assert not Lot.objects.exists()


def test_pack_page_with_every_count_zero_says_why_and_packs_nothing(lead, workshop):
    batch = make_batch(workshop)
    household = returned(batch, pieces=30)
    client = Client()
    client.force_login(lead)
    response = client.post(f"/work/batches/{batch.pk}/pack/", {f"share-{household.pk}": "0"})
    assert response.status_code == 200, response.content
    assert "货批至少要装 1 件。" in response.content.decode()
    assert not Lot.objects.exists()


def test_pack_page_refuses_a_count_that_is_not_a_number_instead_of_dropping_it(lead, workshop):
    batch = make_batch(workshop)
    a, b = returned(batch, pieces=30), returned(batch, pieces=20)
    client = Client()
    client.force_login(lead)
    response = client.post(
        f"/work/batches/{batch.pk}/pack/", {f"share-{a.pk}": "30", f"share-{b.pk}": "-5"}
    )
    assert response.status_code == 200, response.content
    assert f"件数要填 0 或正整数：{b.name}" in response.content.decode()
    assert not Lot.objects.exists()
