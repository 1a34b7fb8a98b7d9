"""Packing lots: codes with a check character, household shares, and who may see which lot."""

import pytest

from orders.models import Batch
from quality import codes
from quality.models import Lot, LotShare
from tests.factories import make_household

from .factories import finished_lot, make_batch, material_lot, returned

pytestmark = pytest.mark.django_db


def test_lead_packs_a_finished_lot_with_household_shares(api, lead, workshop):
    batch = make_batch(workshop)
    a, b = returned(batch, pieces=60), returned(batch, pieces=40)
    response = api.as_user(lead).post(
        "/lots",
        {
            "batch_id": batch.pk,
            "kind": "finished",
            "quantity": 100,
            "shares": [
                {"household_id": a.pk, "quantity": 60},
                {"household_id": b.pk, "quantity": 40},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["quantity"] == 100 and body["stage"] == "packed" and body["verdict"] == "pending"
    assert {s["household_id"]: s["quantity"] for s in body["shares"]} == {a.pk: 60, b.pk: 40}
    assert codes.normalise(body["code"]) == body["code"]
    assert body["url"] == f"HTTP://127.0.0.1:8000/L/{body['code']}"


def test_lot_code_is_nine_characters_and_not_the_id(lead, workshop):
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    lot = material_lot(batch)
    assert len(lot.code) == 9 and lot.code != str(lot.pk)
    assert codes.check_character(lot.code[:8]) == lot.code[8]


def test_shares_must_add_up_to_the_lot_quantity(api, lead, workshop):
    batch = make_batch(workshop)
    a = returned(batch, pieces=60)
    response = api.as_user(lead).post(
        "/lots",
        {
            "batch_id": batch.pk,
            "kind": "finished",
            "quantity": 100,
            "shares": [{"household_id": a.pk, "quantity": 60}],
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "lot_shares_mismatch"
    assert not Lot.objects.exists()


def test_share_above_what_the_household_returned_is_refused(api, lead, workshop):
    batch = make_batch(workshop)
    a = returned(batch, pieces=30)
    response = api.as_user(lead).post(
        "/lots",
        {
            "batch_id": batch.pk,
            "kind": "finished",
            "quantity": 31,
            "shares": [{"household_id": a.pk, "quantity": 31}],
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "lot_share_above_returned"
    assert body["detail"]["returned"] == 30
    assert not Lot.objects.exists() and not LotShare.objects.exists()


def test_pieces_already_packed_cannot_be_packed_again(lead, workshop):
    batch = make_batch(workshop)
    a = returned(batch, pieces=50)
    finished_lot(batch, {a: 30})
    finished_lot(batch, {a: 20})
    from quality.errors import LotShareAboveReturned

    with pytest.raises(LotShareAboveReturned):
        finished_lot(batch, {a: 1})
    assert Lot.objects.count() == 2


def test_household_of_another_workshop_cannot_have_a_share(api, lead, workshop, other_workshop):
    batch = make_batch(workshop)
    stranger = make_household(other_workshop)
    response = api.as_user(lead).post(
        "/lots",
        {
            "batch_id": batch.pk,
            "kind": "finished",
            "quantity": 5,
            "shares": [{"household_id": stranger.pk, "quantity": 5}],
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "household_not_in_batch"


def test_material_lot_has_no_shares_and_needs_a_claimed_batch(api, lead, workshop):
    open_batch = make_batch(workshop, status=Batch.Status.RETURNED)
    response = api.as_user(lead).post(
        "/lots", {"batch_id": open_batch.pk, "kind": "material", "quantity": 100}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "lot_batch_not_ready"


def test_lead_cannot_pack_for_another_workshops_batch(api, lead, other_workshop):
    batch = make_batch(other_workshop, status=Batch.Status.CLAIMED)
    response = api.as_user(lead).post(
        "/lots", {"batch_id": batch.pk, "kind": "material", "quantity": 100}
    )
    assert response.status_code == 404
    assert not Lot.objects.exists()


def test_checker_cannot_pack_lots(api, checker, workshop):
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    response = api.as_user(checker).post(
        "/lots", {"batch_id": batch.pk, "kind": "material", "quantity": 100}
    )
    assert response.status_code == 403


def test_read_lot_by_code_typed_loosely(api, checker, workshop):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    typed = f"{lot.code[:4].lower()}-{lot.code[4:]}".replace("0", "o").replace("1", "l")
    response = api.as_user(checker).get(f"/lots/{typed}")
    assert response.status_code == 200, response.content
    assert response.json()["code"] == lot.code


def test_mistyped_code_is_caught_by_the_check_character(api, checker, workshop):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    wrong = lot.code[:3] + ("X" if lot.code[3] != "X" else "Y") + lot.code[4:]
    response = api.as_user(checker).get(f"/lots/{wrong}")
    assert response.status_code == 400
    assert response.json()["code"] == "lot_code_check_failed"


def test_garbage_code_is_a_format_error(api, checker):
    response = api.as_user(checker).get("/lots/hello")
    assert response.status_code == 400
    assert response.json()["code"] == "lot_code_invalid"


def test_checker_of_another_region_cannot_read_the_lot(api, workshop, other_region_checker):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    response = api.as_user(other_region_checker).get(f"/lots/{lot.code}")
    assert response.status_code == 404
    assert response.json()["code"] == "lot_not_found"


def test_lead_sees_only_its_own_workshops_lots(api, lead, workshop, other_workshop):
    mine = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    theirs = material_lot(make_batch(other_workshop, status=Batch.Status.CLAIMED))
    listed = api.as_user(lead).get("/lots").json()["items"]
    assert [row["code"] for row in listed] == [mine.code]
    assert api.get(f"/lots/{theirs.code}").status_code == 404


def test_merchant_sees_lots_of_its_own_orders(api, workshop):
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    lot = material_lot(batch)
    owner = batch.order.created_by
    assert api.as_user(owner).get(f"/lots/{lot.code}").status_code == 200
