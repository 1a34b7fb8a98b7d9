"""Offline truth: a material lot's arrival scan counts as of its device time.

The phone scans the materials in while the claim is valid, but is offline in the mountains and
uploads days later, after the claim expired. If nobody took the batch meanwhile, the claim is
given back and production starts as of the scan; if the batch moved on, the scan is kept and an
operator gets an exception, the lot marked for return (docs/orders.md, "Offline truth").
"""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from core.errors import ApplicationError
from orders.models import Batch, BatchEvent
from orders.services import batch_claim, batch_claims_expire, batch_release
from quality.models import Lot, ScanEvent, ScanException
from tests.factories import make_user, make_workshop
from tests.orders.factories import claimed_batch
from workshops.models import Workshop

from .factories import material_lot

pytestmark = pytest.mark.django_db

TTL = timedelta(hours=72)


def arrival(code, device_time, *, key=None):
    return {
        "key": key or str(uuid.uuid4()),
        "code": code,
        "action": "received",
        "device_time": device_time.isoformat(),
        "note": "",
    }


def claimed_ago(workshop, hours: float) -> Batch:
    """A batch the workshop claimed ``hours`` ago (through the real claim), materials packed."""
    batch = claimed_batch(workshop)
    at = timezone.now() - timedelta(hours=hours)
    Batch.objects.filter(pk=batch.pk).update(claimed_at=at)
    BatchEvent.objects.filter(batch=batch, to_status=Batch.Status.CLAIMED).update(at=at)
    batch.refresh_from_db()
    return batch


def moves(batch: Batch) -> list[tuple[str, str, int | None]]:
    return list(
        BatchEvent.objects.filter(batch=batch)
        .order_by("pk")
        .values_list("to_status", "reason", "workshop_id")
    )


# --- The claim expired while the phone was offline ---------------------------------------------


def test_arrival_scanned_before_expiry_uploaded_after_gives_the_claim_back(api, lead, workshop):
    batch = claimed_ago(workshop, hours=80)
    lot = material_lot(batch)
    scanned_at = batch.claimed_at + timedelta(hours=30)  # 42 hours before the claim lapsed
    assert batch_claims_expire() == [batch.pk]  # the server knew of no arrival

    response = api.as_user(lead).post("/scans", arrival(lot.code, scanned_at))

    assert response.status_code == 201, response.content
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == (Batch.Status.IN_PRODUCTION, workshop.pk)
    assert batch.production_started_at == scanned_at
    assert batch.claimed_by_id == lead.pk
    assert moves(batch) == [
        ("open", "published", None),
        ("claimed", "claimed", workshop.pk),
        ("open", "claim_expired", None),
        ("claimed", "claim_restored_by_scan", workshop.pk),
        ("in_production", "materials_received", workshop.pk),
    ]
    assert not ScanException.objects.exists()


def test_arrival_after_expiry_with_the_batch_still_open_gives_the_claim_back(api, lead, workshop):
    """The claim lapsed before the materials came, but nobody took the batch: it is the
    workshop's again (the materials are there), production as of the scan."""
    batch = claimed_ago(workshop, hours=80)
    lot = material_lot(batch)
    batch_claims_expire()
    scanned_at = timezone.now() - timedelta(hours=2)
    api.as_user(lead).post("/scans", arrival(lot.code, scanned_at))
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == (Batch.Status.IN_PRODUCTION, workshop.pk)
    assert batch.production_started_at == scanned_at


def test_arrival_for_a_batch_still_held_starts_production_as_of_the_device_time(
    api, lead, workshop
):
    batch = claimed_ago(workshop, hours=10)
    lot = material_lot(batch)
    scanned_at = timezone.now() - timedelta(hours=3)
    api.as_user(lead).post("/scans", arrival(lot.code, scanned_at))
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION
    assert batch.production_started_at == scanned_at


def test_a_device_clock_outside_the_claim_is_held_to_it(api, lead, workshop):
    """Production never starts before the claim, nor in the future."""
    early = claimed_ago(workshop, hours=10)
    api.as_user(lead).post(
        "/scans", arrival(material_lot(early).code, early.claimed_at - timedelta(days=3))
    )
    early.refresh_from_db()
    assert early.production_started_at == early.claimed_at

    late = claimed_ago(workshop, hours=10)
    before = timezone.now()
    # in the future, yet inside what a scan may claim (device_time ≤ now + 1 day)
    response = api.post("/scans", arrival(material_lot(late).code, before + timedelta(hours=12)))
    assert response.status_code == 201, response.content
    late.refresh_from_db()
    assert before <= late.production_started_at <= timezone.now()


def test_the_earliest_of_several_arrivals_in_one_upload_starts_production(api, lead, workshop):
    batch = claimed_ago(workshop, hours=80)
    first, second = material_lot(batch, 500), material_lot(batch, 500)
    batch_claims_expire()
    t1 = batch.claimed_at + timedelta(hours=20)
    t2 = batch.claimed_at + timedelta(hours=40)
    response = api.as_user(lead).post(
        "/scans/bulk", {"scans": [arrival(second.code, t2), arrival(first.code, t1)]}
    )
    assert response.status_code == 200, response.content
    batch.refresh_from_db()
    assert (batch.status, batch.production_started_at) == (Batch.Status.IN_PRODUCTION, t1)
    assert BatchEvent.objects.filter(batch=batch, to_status="in_production").count() == 1


# --- The batch moved on: kept, flagged, in front of an operator --------------------------------


@pytest.fixture
def moved_on(workshop):
    """Workshop A's claim expired with its materials on the way; workshop B claimed the batch."""
    batch = claimed_ago(workshop, hours=80)
    lot = material_lot(batch)
    batch_claims_expire()
    other = make_workshop(service_center=workshop.organisation.service_center)
    batch_claim(actor=other.lead, batch_id=batch.pk)
    return batch, lot, other


def test_late_arrival_for_a_batch_another_workshop_holds_is_kept_and_flagged(
    api, lead, workshop, moved_on
):
    batch, lot, other = moved_on
    scanned_at = batch.claimed_at + timedelta(hours=30)
    response = api.as_user(lead).post("/scans", arrival(lot.code, scanned_at))

    assert response.status_code == 201, response.content  # never an error for the phone
    assert response.json()["applied"] is True
    lot.refresh_from_db()
    assert (lot.stage, lot.workshop_id) == (Lot.Stage.RECEIVED, workshop.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == (Batch.Status.CLAIMED, other.pk)
    assert BatchEvent.objects.filter(batch=batch, to_status="in_production").count() == 0
    exception = ScanException.objects.get()
    assert exception.scan == ScanEvent.objects.get(key=response.json()["key"])
    assert (exception.reason, exception.workshop_id, exception.holder_id) == (
        "batch_held_elsewhere",
        workshop.pk,
        other.pk,
    )


def test_operator_sees_the_exception_with_what_to_do(api, lead, workshop, moved_on, operator):
    batch, lot, other = moved_on
    api.as_user(lead).post("/scans", arrival(lot.code, batch.claimed_at + timedelta(hours=30)))
    response = api.as_user(operator).get("/scan-exceptions", {"open": "true"})
    assert response.status_code == 200, response.content
    [row] = response.json()["items"]
    assert (row["reason"], row["lot_code"], row["batch_id"]) == (
        "batch_held_elsewhere",
        lot.code,
        batch.pk,
    )
    assert (row["workshop_id"], row["holder_workshop_id"]) == (workshop.pk, other.pk)
    assert row["action"] == "原料包退回服务中心"
    assert row["reason_label"] == "批次已由其他工坊认领"
    assert row["resolved_at"] is None


def test_the_new_holders_material_balance_does_not_count_the_stranded_lot(
    api, lead, workshop, moved_on, operator
):
    batch, lot, other = moved_on
    api.as_user(lead).post("/scans", arrival(lot.code, batch.claimed_at + timedelta(hours=30)))
    balance = api.as_user(operator).get(f"/quality/batches/{batch.pk}/material-balance").json()
    assert balance["materials_sent"] == 0
    own = material_lot(Batch.objects.get(pk=batch.pk), 300, actor=other.lead)
    assert own.workshop_id == other.pk
    balance = api.get(f"/quality/batches/{batch.pk}/material-balance").json()
    assert balance["materials_sent"] == 300


def test_exceptions_are_seen_by_operators_and_the_regions_checkers_only(
    api, lead, workshop, moved_on, checker, other_region_checker
):
    batch, lot, other = moved_on
    api.as_user(lead).post("/scans", arrival(lot.code, batch.claimed_at + timedelta(hours=30)))
    assert api.as_user(checker).get("/scan-exceptions").json()["count"] == 1
    for user in (other_region_checker, lead, other.lead, make_user(User.Role.MERCHANT)):
        assert api.as_user(user).get("/scan-exceptions").json()["count"] == 0


def test_operator_resolves_an_exception_once_with_a_note(
    api, lead, workshop, moved_on, operator, checker
):
    batch, lot, _other = moved_on
    api.as_user(lead).post("/scans", arrival(lot.code, batch.claimed_at + timedelta(hours=30)))
    exception = ScanException.objects.get()
    path = f"/scan-exceptions/{exception.pk}/resolve"
    assert api.as_user(checker).post(path, {"note": "已取回"}).status_code == 403
    refused = api.as_user(operator).post(path, {"note": "  "})
    assert (refused.status_code, refused.json()["code"]) == (400, "resolution_note_required")
    done = api.post(path, {"note": "原料包已由服务中心取回"})
    assert done.status_code == 200, done.content
    assert (done.json()["resolved_by"], done.json()["resolution_note"]) == (
        str(operator),
        "原料包已由服务中心取回",
    )
    again = api.post(path, {"note": "再次处理"})
    assert (again.status_code, again.json()["code"]) == (409, "scan_exception_resolved")
    exception.refresh_from_db()
    assert exception.resolution_note == "原料包已由服务中心取回"
    assert api.get("/scan-exceptions", {"open": "true"}).json()["count"] == 0


def test_a_batch_the_lead_released_is_not_taken_back_by_a_late_arrival(api, lead, workshop):
    batch = claimed_ago(workshop, hours=10)
    lot = material_lot(batch)
    batch_release(actor=lead, batch_id=batch.pk)
    api.as_user(lead).post("/scans", arrival(lot.code, timezone.now() - timedelta(hours=1)))
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == (Batch.Status.OPEN, None)
    assert ScanException.objects.get().reason == "batch_reopened"


def test_a_suspended_workshop_does_not_get_its_expired_claim_back(api, lead, workshop):
    batch = claimed_ago(workshop, hours=80)
    lot = material_lot(batch)
    batch_claims_expire()
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.SUSPENDED)
    api.as_user(lead).post("/scans", arrival(lot.code, batch.claimed_at + timedelta(hours=30)))
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN
    assert ScanException.objects.get().reason == "batch_reopened"


def test_a_replayed_late_arrival_raises_one_exception(api, lead, workshop, moved_on):
    batch, lot, _other = moved_on
    body = arrival(lot.code, batch.claimed_at + timedelta(hours=30))
    api.as_user(lead)
    assert [api.post("/scans", body).status_code for _ in range(3)] == [201, 200, 200]
    assert ScanException.objects.count() == 1


# --- Race: the restore against a lead claiming the reopened batch ------------------------------


@pytest.mark.django_db(transaction=True)
def test_restoring_claim_racing_a_leads_claim_leaves_one_holder():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    from quality.scans import scan_record

    workshop = make_workshop()
    rival = make_workshop(service_center=workshop.organisation.service_center)
    rounds, restored, rival_won = 8, 0, 0
    for _ in range(rounds):
        batch = claimed_ago(workshop, hours=80)
        lot = material_lot(batch)
        assert batch.pk in batch_claims_expire()
        scanned_at = batch.claimed_at + timedelta(hours=30)
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def upload(code=lot.code, at=scanned_at, out=outcome, barrier=barrier):
            try:
                barrier.wait()
                out["scan"] = scan_record(
                    actor=workshop.lead,
                    key=str(uuid.uuid4()),
                    code=code,
                    action="received",
                    device_time=at,
                )
            finally:
                connection.close()

        def claim(batch_id=batch.pk, out=outcome, barrier=barrier):
            try:
                barrier.wait()
                out["claim"] = batch_claim(actor=rival.lead, batch_id=batch_id)
            except ApplicationError as exc:
                out["claim"] = exc.code
            finally:
                connection.close()

        threads = [threading.Thread(target=upload), threading.Thread(target=claim)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        batch.refresh_from_db()
        claims = list(BatchEvent.objects.filter(batch=batch, to_status="claimed").order_by("pk"))
        assert len(claims) == 2  # the original claim, then exactly one winner
        winner = claims[1]
        assert winner.workshop_id == batch.workshop_id
        if batch.workshop_id == workshop.pk:
            restored += 1
            assert outcome["claim"] == "batch_already_claimed"
            assert winner.reason == "claim_restored_by_scan"
            assert batch.status == Batch.Status.IN_PRODUCTION
            assert not ScanException.objects.filter(batch=batch).exists()
        else:
            rival_won += 1
            assert batch.workshop_id == rival.pk
            assert batch.status == Batch.Status.CLAIMED
            exception = ScanException.objects.get(batch=batch)
            assert (exception.reason, exception.holder_id) == ("batch_held_elsewhere", rival.pk)
    assert restored + rival_won == rounds


def test_the_operators_dashboard_has_a_line_for_open_exceptions(
    api, lead, workshop, moved_on, operator
):
    from django.test import Client

    batch, lot, _other = moved_on
    client = Client()
    client.force_login(operator)
    assert 'id="scan-exceptions"' not in client.get("/ops/").content.decode()
    api.as_user(lead).post("/scans", arrival(lot.code, batch.claimed_at + timedelta(hours=30)))
    page = client.get("/ops/").content.decode()
    assert 'id="scan-exceptions"' in page
    assert "待处理（退回服务中心）的原料包：1 个" in page
