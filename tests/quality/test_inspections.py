"""Inspections: the server's verdict, what happens to a rejected lot, and per-household pieces."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.models import Batch
from quality.errors import (
    DispositionRefused,
    HouseholdNotInLot,
    LotNotInspectable,
    SortCountInvalid,
    TooManyDefects,
)
from quality.models import Defect, Inspection, InspectionPhoto, Lot, PieceOutcome
from quality.selectors import (
    first_pass_yield_by_household,
    first_pass_yield_by_workshop,
)
from quality.services import inspection_dispose

from .factories import inspect, lot_with_households, make_batch, material_lot

pytestmark = pytest.mark.django_db


def outcomes(lot):
    return {
        (o.household_id, o.inspection.round): (o.accepted, o.rejected, o.is_rework)
        for o in PieceOutcome.objects.filter(lot=lot).select_related("inspection")
    }


def test_plan_for_a_lot_of_100_at_aql_2_5_is_f_20_accept_1(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    body = api.as_user(checker).get(f"/lots/{lot.code}/plan").json()
    assert (body["code_letter"], body["sample_size"], body["accept"], body["severity"]) == (
        "F",
        20,
        1,
        "normal",
    )


def test_accepted_lot_is_decided_per_household_with_traced_rejects(api, checker, workshop):
    lot, (a, b) = lot_with_households(workshop, [60, 40])
    response = api.as_user(checker).post(
        f"/lots/{lot.code}/inspections",
        {
            "defects": [
                {"kind": "loose_thread", "defect_class": "minor", "count": 1, "household_id": a.pk}
            ]
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["verdict"], body["nonconforming"], body["sample_size"], body["accept"]) == (
        "accepted",
        1,
        20,
        1,
    )
    assert outcomes(lot) == {(a.pk, 1): (59, 1, False), (b.pk, 1): (40, 0, False)}
    lot.refresh_from_db()
    assert (lot.verdict, lot.stage) == ("accepted", "inspected")
    assert body["decided_at"] is not None


def test_two_defects_reject_the_lot_and_nothing_is_decided_yet(checker, workshop):
    lot, (a, _) = lot_with_households(workshop, [60, 40])
    inspection = inspect(lot, checker, ("loose_knot", "major", 2, a))
    assert inspection.verdict == "rejected"
    assert inspection.decided_at is None
    assert not PieceOutcome.objects.exists()
    lot.refresh_from_db()
    assert lot.verdict == "rejected"


def test_a_critical_defect_rejects_even_within_the_acceptance_number(checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    assert inspect(lot, checker, ("broken", "critical", 1, None)).verdict == "rejected"


def test_rework_then_reinspection_pays_households_as_rework(checker, workshop):
    lot, (a, b) = lot_with_households(workshop, [60, 40])
    first = inspect(lot, checker, ("size_mismatch", "major", 3, b))
    inspection_dispose(actor=checker, inspection_id=first.pk, disposition="rework")
    lot.refresh_from_db()
    assert (lot.verdict, lot.round, lot.stage) == ("rework", 2, "packed")
    second = inspect(lot, checker, ("stain", "minor", 1, b))
    assert (second.round, second.verdict) == (2, "accepted")
    assert outcomes(lot) == {(a.pk, 2): (60, 0, True), (b.pk, 2): (39, 1, True)}
    totals = PieceOutcome.objects.filter(lot=lot)
    assert sum(o.accepted + o.rejected for o in totals) == lot.quantity


def test_rejected_lot_sorted_100_percent(api, checker, workshop):
    lot, (a, b) = lot_with_households(workshop, [60, 40])
    first = inspect(lot, checker, ("colour_difference", "major", 4, None))
    response = api.as_user(checker).post(
        f"/inspections/{first.pk}/disposition",
        {"disposition": "sort", "rejected_by_household": {str(a.pk): 7, str(b.pk): 2}},
    )
    assert response.status_code == 200, response.content
    assert outcomes(lot) == {(a.pk, 1): (53, 7, False), (b.pk, 1): (38, 2, False)}
    lot.refresh_from_db()
    assert lot.verdict == "sorted"


def test_scrapped_lot_rejects_every_piece(checker, workshop):
    lot, (a, b) = lot_with_households(workshop, [60, 40])
    first = inspect(lot, checker, ("wrong_pattern", "major", 5, None))
    inspection_dispose(actor=checker, inspection_id=first.pk, disposition="scrap")
    assert outcomes(lot) == {(a.pk, 1): (0, 60, False), (b.pk, 1): (0, 40, False)}


def test_sorting_more_than_a_share_is_refused_and_changes_nothing(checker, workshop):
    lot, (a, _) = lot_with_households(workshop, [60, 40])
    first = inspect(lot, checker, ("stain", "major", 2, None))
    with pytest.raises(SortCountInvalid):
        inspection_dispose(
            actor=checker,
            inspection_id=first.pk,
            disposition="sort",
            rejected_by_household={a.pk: 61},
        )
    first.refresh_from_db()
    assert first.disposition == ""
    assert not PieceOutcome.objects.exists()


def test_a_lot_is_disposed_of_once(checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    first = inspect(lot, checker, ("stain", "major", 2, None))
    inspection_dispose(actor=checker, inspection_id=first.pk, disposition="scrap")
    with pytest.raises(DispositionRefused):
        inspection_dispose(actor=checker, inspection_id=first.pk, disposition="rework")


def test_an_accepted_lot_cannot_be_disposed_of(checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    accepted = inspect(lot, checker)
    with pytest.raises(DispositionRefused):
        inspection_dispose(actor=checker, inspection_id=accepted.pk, disposition="scrap")


def test_more_defects_than_the_sample_is_refused(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    response = api.as_user(checker).post(
        f"/lots/{lot.code}/inspections",
        {"defects": [{"kind": "stain", "defect_class": "minor", "count": 21}]},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_defects"
    assert not Inspection.objects.exists() and not Defect.objects.exists()
    lot.refresh_from_db()
    assert lot.verdict == "pending"


def test_defect_traced_to_a_household_outside_the_lot_is_refused(checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    _other, (stranger,) = lot_with_households(workshop, [5])
    with pytest.raises(HouseholdNotInLot):
        inspect(lot, checker, ("stain", "minor", 1, stranger))
    assert not Inspection.objects.filter(lot=lot).exists()


def test_same_round_cannot_be_inspected_twice(checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    inspect(lot, checker)
    with pytest.raises(LotNotInspectable):
        inspect(lot, checker)


def test_material_lots_are_not_inspected(api, checker, workshop):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    response = api.as_user(checker).post(f"/lots/{lot.code}/inspections", {"defects": []})
    assert response.status_code == 409
    assert response.json()["code"] == "lot_not_inspectable"


def test_checker_of_another_region_cannot_inspect(api, workshop, other_region_checker):
    lot, _ = lot_with_households(workshop, [60, 40])
    response = api.as_user(other_region_checker).post(
        f"/lots/{lot.code}/inspections", {"defects": []}
    )
    assert response.status_code == 404
    assert not Inspection.objects.exists()


def test_lead_cannot_inspect(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    response = api.as_user(lead).post(f"/lots/{lot.code}/inspections", {"defects": []})
    assert response.status_code == 403


# --- The quality record ------------------------------------------------------------------


def test_first_pass_yield_counts_only_pieces_accepted_at_first_inspection(checker, workshop):
    good, (a, b) = lot_with_households(workshop, [60, 40])
    inspect(good, checker, ("stain", "minor", 1, a))  # accepted; one of a's pieces rejected
    bad, (c,) = lot_with_households(workshop, [100])
    first = inspect(bad, checker, ("stain", "major", 2, c))
    inspection_dispose(actor=checker, inspection_id=first.pk, disposition="rework")
    inspect(bad, checker)  # accepted after rework: not first pass
    assert str(first_pass_yield_by_workshop([workshop.pk])[workshop.pk]) == "0.4950"
    by_household = first_pass_yield_by_household([a.pk, b.pk, c.pk])
    assert {k: str(v) for k, v in by_household.items()} == {
        a.pk: "0.9833",
        b.pk: "1.0000",
        c.pk: "0.0000",
    }


def test_workshop_without_inspections_has_no_first_pass_yield(workshop):
    assert first_pass_yield_by_workshop([workshop.pk]) == {}


def test_an_orders_accepted_pieces_sum_first_pass_sorted_and_rework(checker, workshop):
    lot, (a, _b) = lot_with_households(workshop, [60, 40])
    order_id = lot.batch.order_id
    inspect(lot, checker, ("stain", "minor", 1, a))
    batch2 = make_batch(workshop, order=lot.batch.order)
    from .factories import finished_lot, returned

    c = returned(batch2, pieces=50)
    lot2 = finished_lot(batch2, {c: 50})
    first = inspect(lot2, checker, ("stain", "major", 3, c))
    inspection_dispose(
        actor=checker, inspection_id=first.pk, disposition="sort", rejected_by_household={c.pk: 4}
    )
    from quality.accounting import quality_figures_by_order

    assert quality_figures_by_order([order_id])[order_id]["accepted"] == 99 + 46


def test_quality_record_endpoint(api, operator, checker, workshop):
    lot, (a, _) = lot_with_households(workshop, [60, 40])
    inspect(lot, checker, ("stain", "minor", 1, a))
    body = api.as_user(operator).get(f"/quality/workshops/{workshop.pk}/record").json()
    assert body["first_pass_yield"] == "0.9900"
    assert {row["household_id"]: row["rejected"] for row in body["households"]}[a.pk] == 1


# --- Photos -------------------------------------------------------------------------------


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = 6  # Orientation: the phone was held sideways
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_stored_without_exif_and_with_a_thumbnail(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    inspection = inspect(lot, checker, ("stain", "major", 2, None))
    upload = SimpleUploadedFile("defect.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    response = api.as_user(checker).client.post(
        f"/api/v1/inspections/{inspection.pk}/photos", {"photo": upload}, headers=api.headers
    )
    assert response.status_code == 201, response.content
    photo = InspectionPhoto.objects.get()
    with Image.open(photo.image.open("rb")) as stored:
        assert len(stored.getexif()) == 0
        assert stored.size == (480, 640)  # turned upright by its orientation
    with Image.open(photo.thumbnail.open("rb")) as thumb:
        assert max(thumb.size) == 320


def test_file_that_is_not_an_image_is_refused(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [60, 40])
    inspection = inspect(lot, checker)
    upload = SimpleUploadedFile("defect.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = api.as_user(checker).client.post(
        f"/api/v1/inspections/{inspection.pk}/photos", {"photo": upload}, headers=api.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "photo_invalid"
    assert not InspectionPhoto.objects.exists()


def test_lots_stay_conserved_for_every_decision(checker, workshop):
    for disposition in ("sort", "scrap"):
        lot, (a, _b) = lot_with_households(workshop, [33, 67])
        first = inspect(lot, checker, ("stain", "major", 2, None))
        inspection_dispose(
            actor=checker,
            inspection_id=first.pk,
            disposition=disposition,
            rejected_by_household={a.pk: 3},
        )
        rows = PieceOutcome.objects.filter(lot=lot)
        assert sum(r.accepted + r.rejected for r in rows) == Lot.objects.get(pk=lot.pk).quantity


def test_too_many_defects_error_type():
    assert TooManyDefects.status == 400


def test_lot_lists_its_inspections_by_round(api, checker, workshop):
    lot, (a, b) = lot_with_households(workshop, [60, 40])
    first = inspect(lot, checker, ("stain", "major", 2, a))
    inspection_dispose(actor=checker, inspection_id=first.pk, disposition="rework")
    inspect(lot, checker)
    rows = api.as_user(checker).get(f"/lots/{lot.code}/inspections").json()
    assert [(r["round"], r["verdict"], r["disposition"]) for r in rows] == [
        (1, "rejected", "rework"),
        (2, "accepted", ""),
    ]
    assert {o["household_id"]: o["accepted"] for o in rows[1]["outcomes"]} == {a.pk: 60, b.pk: 40}
