"""Custody scans: once per key, late and out of order, in bulk, in the right region."""

import itertools
import random
import threading
import uuid
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Batch, BatchEvent
from quality.models import Lot, ScanEvent

from .factories import finished_lot, lot_with_households, make_batch, material_lot, returned

pytestmark = pytest.mark.django_db


def scan(code, action="shipped", *, key=None, minutes_ago=60, note=""):
    return {
        "key": key or str(uuid.uuid4()),
        "code": code,
        "action": action,
        "device_time": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
        "note": note,
    }


def test_one_scan_moves_the_lot_and_is_recorded(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    response = api.as_user(lead).post("/scans", scan(lot.code, "shipped"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["applied"], body["stage_before"], body["stage_after"]) == (
        True,
        "packed",
        "shipped",
    )
    lot.refresh_from_db()
    assert lot.stage == "shipped"


def test_same_key_three_times_records_one_event_and_answers_the_same(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    body = scan(lot.code, "shipped")
    api.as_user(lead)
    answers = [api.post("/scans", body) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert ScanEvent.objects.filter(key=body["key"]).count() == 1
    assert ScanEvent.objects.count() == 1


def test_same_key_with_a_different_body_is_a_conflict(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    body = scan(lot.code, "shipped")
    api.as_user(lead)
    assert api.post("/scans", body).status_code == 201
    response = api.post("/scans", {**body, "action": "received"})
    assert response.status_code == 409
    assert response.json()["code"] == "scan_key_reused"
    assert ScanEvent.objects.count() == 1
    lot.refresh_from_db()
    assert lot.stage == "shipped"


def test_late_scan_that_no_longer_fits_is_kept_and_flagged(api, lead, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    api.as_user(checker).post("/scans", scan(lot.code, "received", minutes_ago=30))
    # The lead's phone was offline: its "shipped" from two days ago arrives now.
    late = api.as_user(lead).post("/scans", scan(lot.code, "shipped", minutes_ago=2 * 24 * 60))
    assert late.status_code == 201
    assert (late.json()["applied"], late.json()["flag"]) == (False, "already_past")
    lot.refresh_from_db()
    assert lot.stage == "received"
    assert ScanEvent.objects.filter(lot=lot).count() == 2


def test_skipping_a_stage_applies_and_says_so(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    response = api.as_user(checker).post("/scans", scan(lot.code, "received"))
    assert (response.json()["applied"], response.json()["flag"]) == (True, "skipped_stage")


def test_material_lot_arrival_scan_starts_production(api, lead, workshop):
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    lot = material_lot(batch)
    response = api.as_user(lead).post("/scans", scan(lot.code, "received"))
    assert response.status_code == 201, response.content
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION
    assert BatchEvent.objects.filter(batch=batch, to_status="in_production").count() == 1


def test_second_material_lot_arrival_leaves_the_batch_in_production(api, lead, workshop):
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    first, second = material_lot(batch, 500), material_lot(batch, 500)
    api.as_user(lead)
    api.post("/scans", scan(first.code, "received"))
    assert api.post("/scans", scan(second.code, "received")).status_code == 201
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION
    assert BatchEvent.objects.filter(batch=batch, to_status="in_production").count() == 1


def test_material_lot_cannot_be_delivered(api, lead, workshop):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    response = api.as_user(lead).post("/scans", scan(lot.code, "delivered"))
    assert response.status_code == 400
    assert response.json()["code"] == "scan_action_not_for_kind"
    assert not ScanEvent.objects.exists()


def test_checker_of_another_region_cannot_scan_the_lot(api, workshop, other_region_checker):
    lot, _ = lot_with_households(workshop, [10])
    response = api.as_user(other_region_checker).post("/scans", scan(lot.code, "received"))
    assert response.status_code == 404
    assert response.json()["code"] == "lot_not_found"
    assert not ScanEvent.objects.exists()
    lot.refresh_from_db()
    assert lot.stage == "packed"


def test_mistyped_code_in_a_scan_is_a_check_character_error(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    wrong = lot.code[:-1] + ("0" if lot.code[-1] != "0" else "1")
    response = api.as_user(lead).post("/scans", scan(wrong))
    assert response.status_code == 400
    assert response.json()["code"] == "lot_code_check_failed"


def test_merchant_may_not_scan(api, workshop):
    lot, _ = lot_with_households(workshop, [10])
    response = api.as_user(lot.batch.order.created_by).post("/scans", scan(lot.code))
    assert response.status_code == 403


# --- Bulk ---------------------------------------------------------------------------------


def many_lots(workshop, count):
    batch = make_batch(workshop)
    household = returned(batch, pieces=5 * count)
    return [finished_lot(batch, {household: 5}) for _ in range(count)]


def _queue(lots, per_lot_actions=("shipped", "received", "inspected", "delivered")):
    queue = []
    for lot in lots:
        for step, action in enumerate(per_lot_actions):
            queue.append(scan(lot.code, action, minutes_ago=10_000 - step * 60))
    return queue


def test_shuffled_triplicated_queue_of_1000_scans_gives_exactly_1000_events(api, checker, workshop):
    lots = many_lots(workshop, 250)
    queue = _queue(lots)
    assert len(queue) == 1000
    rng = random.Random(7)
    api.as_user(checker)
    for _ in range(3):
        sent = queue[:]
        rng.shuffle(sent)
        response = api.post("/scans/bulk", {"scans": sent})
        assert response.status_code == 200, response.content
    assert ScanEvent.objects.count() == 1000
    assert set(Lot.objects.values_list("stage", flat=True)) == {"delivered"}
    # Applied in device-time order: nothing was flagged although the queue was shuffled.
    assert not ScanEvent.objects.exclude(flag="").exists()


def test_bulk_answers_each_scan_and_keeps_the_good_ones(api, checker, workshop, other_workshop):
    lot, _ = lot_with_households(workshop, [10])
    foreign, _ = lot_with_households(other_workshop, [10])
    first = scan(lot.code, "shipped", minutes_ago=100)
    api.as_user(checker).post("/scans", first)
    wrong = lot.code[:-1] + ("0" if lot.code[-1] != "0" else "1")
    queue = [
        scan(lot.code, "received", minutes_ago=50),  # good
        {**first, "action": "delivered"},  # key reused with another body
        scan(wrong, "received"),  # mistyped code
        scan(foreign.code, "received"),  # another region's lot
        {"key": "short", "code": lot.code, "action": "flown", "device_time": "yesterday"},
        first,  # a replay: the first answer again
    ]
    response = api.post("/scans/bulk", {"scans": queue})
    assert response.status_code == 200, response.content
    body = response.json()
    statuses = [(r["status"], (r["error"] or {}).get("code")) for r in body["results"]]
    assert statuses == [
        ("created", None),
        ("rejected", "scan_key_reused"),
        ("rejected", "lot_code_check_failed"),
        ("rejected", "lot_not_found"),
        ("rejected", "validation_error"),
        ("replayed", None),
    ]
    assert (body["created"], body["replayed"], body["rejected"]) == (1, 1, 4)
    assert ScanEvent.objects.count() == 2
    lot.refresh_from_db()
    assert lot.stage == "received"


# One corrupt item in a phone's queue must not block the rest, now or on any resend.
CORRUPT_ITEMS = {
    "a string": "oops",
    "null": None,
    "a number": 7,
    "a fraction": 3.5,
    "a boolean": True,
    "an empty list": [],
    "a list": ["key", "code"],
    "an empty object": {},
    "missing fields": {"key": "0a1b2c3d-missing", "action": "shipped"},
    "a number for the key": {"key": 12345678, "code": "X", "action": "shipped",
                             "device_time": "2026-11-20T10:00:00+08:00"},
    "a list for the code": {"key": "0a1b2c3d-list", "code": ["X"], "action": "shipped",
                            "device_time": "2026-11-20T10:00:00+08:00"},
    "an unknown field": {"key": "0a1b2c3d-extra", "code": "X", "action": "shipped",
                         "device_time": "2026-11-20T10:00:00+08:00", "colour": "red"},
    "a NUL in the key": {"key": "0a1b2c3d\x00nul", "code": "X", "action": "shipped",
                         "device_time": "2026-11-20T10:00:00+08:00"},
    "a NUL in the note": {"key": "0a1b2c3d-nul-note", "code": "X", "action": "shipped",
                          "device_time": "2026-11-20T10:00:00+08:00", "note": "a\x00b"},
    "a time before the calendar": {"key": "0a1b2c3d-year-1", "code": "X", "action": "shipped",
                                   "device_time": "0001-01-01T00:00:00"},
    "a time after it": {"key": "0a1b2c3d-year-9999", "code": "X", "action": "shipped",
                        "device_time": "9999-12-31T23:59:59-12:00"},
}  # fmt: skip


def _refused_alone(body, index):
    """Every result but ``index`` recorded; ``index`` refused with a code and a message."""
    refused = body["results"][index]
    assert refused["index"] == index
    assert refused["status"] == "rejected"
    assert refused["scan"] is None
    assert refused["error"]["code"] == "validation_error"
    assert refused["error"]["message"]
    assert refused["error"]["detail"]["errors"]
    others = [r for r in body["results"] if r["index"] != index]
    assert all(r["status"] != "rejected" for r in others), others
    return refused


def test_one_corrupt_item_among_999_good_scans_is_refused_alone_on_every_resend(
    api, checker, workshop
):
    lots = many_lots(workshop, 250)
    queue = _queue(lots)[:999]
    queue.insert(500, "oops")
    api.as_user(checker)
    first = api.post("/scans/bulk", {"scans": queue})
    assert first.status_code == 200, first.content[:500]
    body = first.json()
    assert (body["created"], body["replayed"], body["rejected"]) == (999, 0, 1)
    assert [r["index"] for r in body["results"]] == list(range(1000))
    refused = _refused_alone(body, 500)
    assert refused["key"] is None
    assert "不是扫码记录" in refused["error"]["message"]
    assert ScanEvent.objects.count() == 999
    # The phone resends its whole queue: the good ones are replays, the bad one is refused again.
    again = api.post("/scans/bulk", {"scans": queue}).json()
    assert (again["created"], again["replayed"], again["rejected"]) == (0, 999, 1)
    _refused_alone(again, 500)
    assert ScanEvent.objects.count() == 999


@pytest.mark.parametrize("corrupt", list(CORRUPT_ITEMS.values()), ids=list(CORRUPT_ITEMS))
def test_a_corrupt_item_is_refused_in_its_own_result(api, checker, workshop, corrupt):
    lot, _ = lot_with_households(workshop, [10])
    queue = [scan(lot.code, "shipped", minutes_ago=90), corrupt, scan(lot.code, "received")]
    response = api.as_user(checker).post("/scans/bulk", {"scans": queue})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["replayed"], body["rejected"]) == (2, 0, 1)
    refused = _refused_alone(body, 1)
    key = corrupt.get("key") if isinstance(corrupt, dict) else None
    assert refused["key"] == (key if isinstance(key, str) else None)
    assert ScanEvent.objects.count() == 2
    lot.refresh_from_db()
    assert lot.stage == "received"


def test_each_corrupt_item_of_a_queue_is_reported_with_its_index(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    queue = [*CORRUPT_ITEMS.values(), scan(lot.code, "shipped")]
    body = api.as_user(checker).post("/scans/bulk", {"scans": queue}).json()
    assert [r["status"] for r in body["results"]] == ["rejected"] * len(CORRUPT_ITEMS) + ["created"]
    assert [r["index"] for r in body["results"]] == list(range(len(queue)))
    assert {r["error"]["code"] for r in body["results"][:-1]} == {"validation_error"}


def test_a_corrupt_item_is_refused_in_english_for_an_english_phone(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    response = api.as_user(checker).post(
        "/scans/bulk",
        {"scans": [None, {"key": "0a1b2c3d-missing"}, scan(lot.code)]},
        headers={"Accept-Language": "en"},
    )
    not_a_scan, missing = response.json()["results"][:2]
    assert not_a_scan["error"]["message"].startswith("This item is not a scan")
    assert missing["error"]["message"] == "Some fields are invalid; please check the marked fields."


@pytest.mark.parametrize(
    "scans", ["oops", None, 7, {"key": "x"}], ids=["string", "null", "number", "object"]
)
def test_scans_that_are_not_an_array_are_refused_whole_in_the_error_shape(
    api, checker, workshop, scans
):
    response = api.as_user(checker).post("/scans/bulk", {"scans": scans})
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == "validation_error"
    assert not ScanEvent.objects.exists()


def test_a_single_scan_with_a_nul_character_is_refused_not_a_server_error(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    response = api.as_user(lead).post("/scans", {**scan(lot.code), "note": "a\x00b"})
    # NUL is refused alike everywhere (docs/api.md): 400 invalid_characters, naming the field
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_characters"
    assert response.json()["detail"]["errors"][0]["loc"][-1] == "note"
    assert not ScanEvent.objects.exists()


def test_bulk_items_are_judged_by_the_single_scans_own_rules():
    """The bulk validates each item with ScanItemIn (ScanIn's fields, validated once);
    whatever ScanIn accepts or refuses, ScanItemIn must too."""
    from pydantic import ValidationError

    from quality.schemas import ScanIn, ScanItemIn

    good = scan("21HSNA724")
    samples = [
        good,
        *CORRUPT_ITEMS.values(),
        {**good, "device_time": "1999-12-31T23:59:59+08:00"},
        {**good, "device_time": "2000-01-01T00:00:00+08:00"},
        {**good, "device_time": (timezone.now() + timedelta(days=2)).isoformat()},
        {**good, "device_time": "0001-01-01T00:00:00"},
        {**good, "device_time": 1_700_000_000},
        {**good, "key": "k" * 65},
        {**good, "note": "n" * 201},
        {**good, "action": "flown"},
    ]

    def verdict(model, raw):
        try:
            return model.model_validate(raw).model_dump()
        except ValidationError as exc:
            return sorted((tuple(e["loc"]), e["type"]) for e in exc.errors())

    for raw in samples:
        assert verdict(ScanItemIn, raw) == verdict(ScanIn, raw), raw


def test_bulk_over_the_limit_is_refused_whole(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    queue = [scan(lot.code, "shipped") for _ in range(1001)]
    response = api.as_user(checker).post("/scans/bulk", {"scans": queue})
    assert response.status_code == 413
    assert response.json()["code"] == "bulk_too_large"
    assert not ScanEvent.objects.exists()


def test_same_new_key_twice_in_one_bulk_records_once(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    one = scan(lot.code, "shipped")
    body = api.as_user(checker).post("/scans/bulk", {"scans": [one, one]}).json()
    assert [r["status"] for r in body["results"]] == ["created", "replayed"]
    assert ScanEvent.objects.count() == 1


def test_scan_before_a_rework_round_is_flagged(api, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    now = timezone.now()
    Lot.objects.filter(pk=lot.pk).update(round=2, round_started_at=now)
    response = api.as_user(checker).post("/scans", scan(lot.code, "received", minutes_ago=60))
    assert (response.json()["applied"], response.json()["flag"]) == (False, "earlier_round")


# --- PostgreSQL: racing phones ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_same_key_sent_by_racing_requests_is_recorded_once(workshop):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    from quality.scans import ScanItem, scan_ingest

    lot, _ = lot_with_households(workshop, [10])
    checker = workshop.lead
    key = str(uuid.uuid4())
    when = timezone.now() - timedelta(hours=1)
    results, errors = [], []
    barrier = threading.Barrier(6)

    def send():
        try:
            barrier.wait()
            item = ScanItem(index=0, key=key, code=lot.code, action="shipped", device_time=when)
            results.append(scan_ingest(actor=checker, items=[item])[0].status)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == ["created"] + ["replayed"] * 5
    assert ScanEvent.objects.filter(key=key).count() == 1


@pytest.mark.django_db(transaction=True)
def test_keys_another_phone_records_while_a_bulk_waits_are_replays_on_postgresql(
    workshop, monkeypatch
):
    """Between a bulk's read of the known keys and its lock on the lots, another request may
    record some of its keys (the scan storm did, again and again): they are answered as
    replays, never a 500 after the retries run out."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency")
    from quality import scans as scans_module
    from quality.scans import ScanItem, scan_ingest, scan_record

    lead = workshop.lead
    lots = many_lots(workshop, 4)
    when = timezone.now() - timedelta(hours=5)
    items = [
        ScanItem(
            index=len(lots) * step + n,
            key=str(uuid.uuid4()),
            code=lot.code,
            action=action,
            device_time=when + timedelta(minutes=step),
        )
        for step, action in enumerate(("shipped", "received"))
        for n, lot in enumerate(lots)
    ]
    items.sort(key=lambda item: item.index)
    raced: list[str] = []
    real_scope = scans_module.lot_scope

    def scope_while_another_phone_sends(queryset, *, viewer):
        # Each time the bulk is about to lock its lots, another phone records one of its keys.
        other = next((i for i in items if i.key not in raced), None)
        if other is not None:
            raced.append(other.key)

            def send():
                try:
                    scan_record(
                        actor=lead, key=other.key, code=other.code, action=other.action,
                        device_time=other.device_time,
                    )  # fmt: skip
                finally:
                    connection.close()

            thread = threading.Thread(target=send)
            thread.start()
            thread.join()
        return real_scope(queryset, viewer=viewer)

    monkeypatch.setattr(scans_module, "lot_scope", scope_while_another_phone_sends)
    results = scan_ingest(actor=lead, items=[replace(i) for i in items])
    statuses = Counter(r.status for r in results)
    assert statuses["rejected"] == 0, [r.error for r in results if r.error]
    assert statuses["replayed"] == len(raced)
    assert ScanEvent.objects.count() == len(items)
    assert ScanEvent.objects.filter(key__in=raced).count() == len(raced)


@pytest.mark.django_db(transaction=True)
def test_bulk_queue_of_1000_on_postgresql_three_phones_at_once(workshop):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency")
    from accounts.models import User
    from quality.scans import ScanItem, scan_ingest
    from tests.factories import make_user

    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    lots = many_lots(workshop, 250)
    queue = _queue(lots)
    errors = []

    def phone(seed):
        try:
            rng = random.Random(seed)
            sent = queue[:]
            rng.shuffle(sent)
            from datetime import datetime

            items = [
                ScanItem(
                    index=i,
                    key=s["key"],
                    code=s["code"],
                    action=s["action"],
                    device_time=datetime.fromisoformat(s["device_time"]),
                )
                for i, s in enumerate(sent)
            ]
            scan_ingest(actor=checker, items=items)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(seed,)) for seed in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert ScanEvent.objects.count() == 1000
    assert set(Lot.objects.values_list("stage", flat=True)) == {"delivered"}


def test_device_time_without_offset_is_read_as_platform_time(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    body = {**scan(lot.code), "device_time": "2026-11-20T10:00:00"}
    response = api.as_user(lead).post("/scans", body)
    assert response.status_code == 201, response.content
    event = ScanEvent.objects.get()
    assert event.device_time.isoformat() == "2026-11-20T02:00:00+00:00"


def test_lot_custody_history_lists_every_scan_in_device_time_order(api, lead, checker, workshop):
    lot, _ = lot_with_households(workshop, [10])
    api.as_user(checker).post("/scans", scan(lot.code, "received", minutes_ago=30))
    api.as_user(lead).post("/scans", scan(lot.code, "shipped", minutes_ago=300))
    history = api.as_user(checker).get(f"/lots/{lot.code}/scans").json()
    assert [(h["action"], h["applied"], h["flag"]) for h in history] == [
        ("shipped", False, "already_past"),
        ("received", True, "skipped_stage"),
    ]


# --- PostgreSQL: the one-statement path for one new scan ----------------------------------


def test_one_new_scan_takes_one_statement_on_postgresql(lead, workshop):
    if connection.vendor != "postgresql":
        pytest.skip("the compare-and-set path is PostgreSQL's")
    from django.test.utils import CaptureQueriesContext

    from quality.scans import scan_record

    lot, _ = lot_with_households(workshop, [10])
    with CaptureQueriesContext(connection) as captured:
        result = scan_record(
            actor=lead,
            key=str(uuid.uuid4()),
            code=lot.code,
            action="shipped",
            device_time=timezone.now(),
        )
    assert result.status == "created"
    assert len(captured.captured_queries) == 1
    lot.refresh_from_db()
    assert lot.stage == "shipped"
    event = ScanEvent.objects.get()
    assert (event.stage_before, event.stage_after, event.applied) == ("packed", "shipped", True)


def test_one_statement_path_decides_as_fit_does_in_every_case(lead, workshop):
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's")
    from django.test.utils import CaptureQueriesContext

    from quality.scans import _fit, scan_record

    lot, _ = lot_with_households(workshop, [10])
    round_start = timezone.now() - timedelta(hours=5)
    cases = 0
    for stage in Lot.Stage.values:
        for action in ScanEvent.Action.values:
            for rnd, hours_ago in ((1, 1), (2, 1), (2, 10)):
                Lot.objects.filter(pk=lot.pk).update(
                    stage=stage, round=rnd, round_started_at=round_start
                )
                lot.refresh_from_db()
                when = timezone.now() - timedelta(hours=hours_ago)
                expected = _fit(lot=lot, action=action, device_time=when)
                with CaptureQueriesContext(connection) as captured:
                    result = scan_record(
                        actor=lead,
                        key=str(uuid.uuid4()),
                        code=lot.code,
                        action=action,
                        device_time=when,
                    )
                assert len(captured.captured_queries) == 1  # the one-statement path answered
                event = ScanEvent.objects.get(key=result.key)
                assert (event.applied, event.flag) == expected, (stage, action, rnd, hours_ago)
                assert (result.event.applied, result.event.flag) == expected
                assert event.stage_before == stage
                lot.refresh_from_db()
                assert lot.stage == (action if expected[0] else stage)
                assert event.stage_after == lot.stage == result.event.stage_after
                cases += 1
    assert cases == 75


@pytest.mark.django_db(transaction=True)
def test_racing_scans_of_one_lot_apply_in_turn_on_postgresql(workshop):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    from quality.scans import scan_record

    lot, _ = lot_with_households(workshop, [10])
    lead = workshop.lead
    actions = ["shipped", "received", "inspected", "delivered"] * 2
    when = timezone.now() - timedelta(hours=1)
    errors = []
    barrier = threading.Barrier(len(actions))

    def send(action):
        try:
            barrier.wait()
            scan_record(
                actor=lead, key=str(uuid.uuid4()), code=lot.code, action=action, device_time=when
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert ScanEvent.objects.filter(lot=lot).count() == len(actions)
    lot.refresh_from_db()
    assert lot.stage == "delivered"
    # Each applied scan took the lot from where the previous one left it: one unbroken chain.
    applied = ScanEvent.objects.filter(lot=lot, applied=True).order_by("pk")
    chain = [(e.stage_before, e.stage_after) for e in applied]
    for (_, after), (before, _) in itertools.pairwise(chain):
        assert before == after
    assert chain[0][0] == "packed"
