"""Starting production from the phone (issue 12): the merchant packs a material lot for a
claimed batch on its page and prints the label; the lead records the arrival with one button
(the same arrival scan as the scan page), and production starts."""

import uuid

import pytest

from accounts.models import User
from orders.models import Batch
from quality.models import Lot, ScanEvent
from tests.factories import make_user, make_workshop

from .factories import make_batch, material_lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(workshop):
    return make_batch(workshop, status=Batch.Status.CLAIMED, quantity=300)


def _merchant(batch: Batch) -> User:
    return batch.order.created_by


def _pack(client, batch, quantity="300", key=None):
    return client.post(
        f"/shop/batches/{batch.pk}/materials/",
        {"quantity": quantity, "key": str(key or uuid.uuid4())},
    )


def test_the_merchant_packs_a_material_lot_and_lands_on_its_label(client, claimed):
    client.force_login(_merchant(claimed))
    page = client.get(f"/shop/batches/{claimed.pk}/materials/").content.decode()
    assert 'value="300"' in page  # what is still to send
    response = _pack(client, claimed)
    lot = Lot.objects.get()
    assert (lot.kind, lot.quantity, lot.batch_id, lot.workshop_id, lot.created_by) == (
        Lot.Kind.MATERIAL,
        300,
        claimed.pk,
        claimed.workshop_id,
        _merchant(claimed),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/lots/{lot.code}/label/"
    label = client.get(response["Location"])
    assert label.status_code == 200
    assert lot.code in label.content.decode()
    assert client.get(f"/api/v1/lots/{lot.code}/label.png").status_code == 200


def test_the_same_pack_form_sent_twice_packs_once(client, claimed):
    client.force_login(_merchant(claimed))
    key = uuid.uuid4()
    first = _pack(client, claimed, key=key)
    second = _pack(client, claimed, key=key)
    assert Lot.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize("quantity", ["0", "-3"])
def test_a_bad_quantity_is_refused_on_the_form(client, claimed, quantity):
    client.force_login(_merchant(claimed))
    response = _pack(client, claimed, quantity=quantity)
    assert response.status_code == 200
    assert "error" in response.content.decode()
    assert not Lot.objects.exists()


def test_another_merchant_gets_404_and_a_lead_403(client, claimed, workshop):
    client.force_login(make_user(User.Role.MERCHANT))
    assert client.get(f"/shop/batches/{claimed.pk}/materials/").status_code == 404
    assert _pack(client, claimed).status_code == 404
    client.force_login(workshop.lead)
    assert _pack(client, claimed).status_code == 403
    assert not Lot.objects.exists()


def test_a_merchant_may_not_pack_a_finished_lot_through_the_api(api, claimed):
    response = api.as_user(_merchant(claimed)).post(
        "/lots", {"batch_id": claimed.pk, "kind": "finished", "quantity": 10, "shares": []}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "finished_lot_not_merchants"
    assert not Lot.objects.exists()


def test_materials_for_a_returned_batch_are_not_offered(client, workshop):
    batch = make_batch(workshop, status=Batch.Status.RETURNED)
    client.force_login(_merchant(batch))
    page = client.get(f"/shop/batches/{batch.pk}/materials/").content.decode()
    assert "打包并生成标签" not in page
    assert "现在不需要发物料" in page


def test_the_lead_receives_the_materials_with_a_button_and_production_starts(
    client, claimed, workshop
):
    lot = material_lot(claimed, 300, actor=_merchant(claimed))
    client.force_login(workshop.lead)
    page = client.get(f"/work/batches/{claimed.pk}/").content.decode()
    assert lot.code in page and "收到物料" in page
    key = uuid.uuid4()
    response = client.post(
        f"/work/batches/{claimed.pk}/materials/received/", {"key": str(key)}, follow=True
    )
    assert "批次开工了" in response.content.decode()
    claimed.refresh_from_db()
    lot.refresh_from_db()
    assert claimed.status == Batch.Status.IN_PRODUCTION
    assert lot.stage == Lot.Stage.RECEIVED
    scan = ScanEvent.objects.get()
    assert (scan.action, scan.actor, scan.applied) == ("received", workshop.lead, True)
    # A double tap replays the same scan.
    client.post(f"/work/batches/{claimed.pk}/materials/received/", {"key": str(key)})
    assert ScanEvent.objects.count() == 1


def test_receiving_without_a_lot_says_to_use_the_manual_start(client, claimed, workshop):
    client.force_login(workshop.lead)
    response = client.post(
        f"/work/batches/{claimed.pk}/materials/received/", {"key": str(uuid.uuid4())}, follow=True
    )
    assert "物料已到，开工" in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == Batch.Status.CLAIMED
    assert not ScanEvent.objects.exists()


def test_another_lead_cannot_receive_my_materials(client, claimed):
    lot = material_lot(claimed, 300, actor=_merchant(claimed))
    client.force_login(make_workshop().lead)
    response = client.post(
        f"/work/batches/{claimed.pk}/materials/received/", {"key": str(uuid.uuid4())}
    )
    assert response.status_code == 404
    lot.refresh_from_db()
    assert lot.stage == Lot.Stage.PACKED
    assert not ScanEvent.objects.exists()


def test_the_lead_is_told_when_the_merchant_packs_materials(claimed, workshop, settings):
    from django.test import TestCase

    from accounts import notifications

    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        lot = material_lot(claimed, 300, actor=_merchant(claimed))
    notices = [n for n in notifications.outbox if n.kind == "materials_sent"]
    assert [n.user_id for n in notices] == [workshop.lead.pk]
    assert lot.code in notices[0].text
    notifications.outbox.clear()
