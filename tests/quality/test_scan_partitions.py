"""Scan events partitioned by month (PostgreSQL), keys held once in ScanKey (every database)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from quality import partitions
from quality.models import LotDelivery, ScanEvent, ScanException, ScanKey
from quality.scans import ScanItem, scan_ingest, scan_record
from quality.selectors import lot_scans
from quality.tasks import scan_partitions_ensure_task

from .factories import lot_with_households
from .test_delivery import receive
from .test_offline_arrival import arrival, claimed_ago, moved_on  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)


def _partition_of(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM quality_scanevent WHERE id = %s", [event_id]
        )
        return cursor.fetchone()[0]


def _shipped(lead, lot, *, key=None, device_time=None):
    return scan_record(
        actor=lead,
        key=key or str(uuid.uuid4()),
        code=lot.code,
        action="shipped",
        device_time=device_time or timezone.now() - timedelta(minutes=30),
    )


@pytest.mark.postgres
@on_postgres
def test_scan_events_table_is_partitioned_by_month_of_recorded_at():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = 'quality_scanevent'::regclass"
        )
        assert cursor.fetchone() == ("r", "recorded_at")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'quality_scanevent'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, recorded_at)"
        cursor.execute("SELECT to_regclass('quality_scanevent_default')")
        assert cursor.fetchone()[0] is not None
    assert partitions.is_partitioned()


@pytest.mark.postgres
@on_postgres
def test_a_scan_lands_in_its_months_partition(lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    result = _shipped(lead, lot)
    month = partitions.month_of(result.event.recorded_at)
    assert _partition_of(result.event.pk) == partitions.partition_name(month)


def test_every_recorded_scan_holds_its_key_once_in_scan_keys(lead, checker, workshop):
    single, _ = lot_with_households(workshop, [10])
    bulk, _ = lot_with_households(workshop, [10])
    _shipped(lead, single)
    now = timezone.now()
    items = [
        ScanItem(index=i, key=str(uuid.uuid4()), code=bulk.code, action=action,
                 device_time=now - timedelta(hours=3 - i))
        for i, action in enumerate(["shipped", "received"])
    ]  # fmt: skip
    results = scan_ingest(actor=checker, items=items)
    assert [r.status for r in results] == ["created", "created"]
    assert all(r.event.pk is not None for r in results)  # ids come back from the bulk insert
    events = {e.key: (e.pk, e.body_hash, e.recorded_at) for e in ScanEvent.objects.all()}
    keys = {k.key: (k.event_id, k.body_hash, k.recorded_at) for k in ScanKey.objects.all()}
    assert len(events) == 3
    assert keys == events


def test_a_replay_answers_the_first_event_found_through_its_key(lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    key, when = str(uuid.uuid4()), timezone.now() - timedelta(minutes=30)
    first = _shipped(lead, lot, key=key, device_time=when)
    again = _shipped(lead, lot, key=key, device_time=when)
    assert (again.status, again.event.pk, again.status_code) == ("replayed", first.event.pk, 200)
    assert ScanEvent.objects.filter(key=key).count() == 1


@pytest.mark.postgres
@on_postgres
def test_the_partition_task_makes_the_coming_months_once():
    this_month = partitions.month_of(timezone.now())
    last = partitions.add_months(this_month, partitions.MONTHS_AHEAD)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {partitions.partition_name(last)}")

    made = scan_partitions_ensure_task()

    assert made == [partitions.partition_name(last)]
    assert scan_partitions_ensure_task() == []


@pytest.mark.postgres
@on_postgres
def test_a_scan_in_the_default_partition_is_found_and_moved_to_its_month(lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    skewed = timezone.now() + timedelta(days=800)  # a server clock far ahead: no month for it
    event = ScanEvent.objects.create(
        key="skewed", body_hash="h", lot=lot, action="shipped", device_time=skewed,
        recorded_at=skewed, actor=lead, applied=False, stage_before="packed",
        stage_after="packed",
    )  # fmt: skip
    assert _partition_of(event.pk) == partitions.DEFAULT
    assert [e.pk for e in lot_scans(viewer=lead, code=lot.code)] == [event.pk]

    made = partitions.scan_partitions_ensure(since=skewed, months_ahead=0)

    month = partitions.partition_name(partitions.month_of(skewed))
    assert made == [month]
    assert _partition_of(event.pk) == month
    assert [e.pk for e in lot_scans(viewer=lead, code=lot.code)] == [event.pk]


def test_a_lots_chain_is_in_device_time_order(lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    now = timezone.now()
    items = [
        ScanItem(index=i, key=str(uuid.uuid4()), code=lot.code, action=action,
                 device_time=now - timedelta(hours=hours))
        for i, (action, hours) in enumerate([("received", 1), ("shipped", 3), ("inspected", 0)])
    ]  # fmt: skip
    scan_ingest(actor=lead, items=items)
    chain = list(lot_scans(viewer=lead, code=lot.code))
    assert [e.action for e in chain] == ["shipped", "received", "inspected"]


@pytest.mark.postgres
@on_postgres
def test_a_lots_chain_reads_no_partition_before_the_lot(lead, workshop):
    old = partitions.add_months(partitions.month_of(timezone.now()), -6)
    partitions.scan_partitions_ensure(since=old)
    lot, _ = lot_with_households(workshop, [10])
    query = lot_scans(viewer=lead, code=lot.code)
    plan = query.explain()
    assert partitions.partition_name(partitions.month_of(timezone.now())) in plan
    assert partitions.partition_name(old) not in plan


def test_no_reference_to_a_scan_that_is_not_there_is_written_by_the_services(
    api,
    lead,
    workshop,
    checker,
    moved_on,  # noqa: F811
):
    from tests.quality.loop_factories import accepted_lot

    batch, material, _other = moved_on
    response = api.as_user(lead).post(
        "/scans", arrival(material.code, batch.claimed_at + timedelta(hours=30))
    )
    assert response.status_code == 201, response.content
    finished, _ = accepted_lot(workshop, checker)
    delivery, created = receive(finished)
    assert created and delivery.scan_id is not None

    references = list(ScanException.objects.values_list("scan_id", flat=True)) + list(
        LotDelivery.objects.values_list("scan_id", flat=True)
    )
    assert len(references) == 2
    assert ScanEvent.objects.filter(pk__in=references).count() == 2
    delivered = ScanEvent.objects.get(pk=delivery.scan_id)
    assert ScanKey.objects.get(key=delivered.key).event_id == delivered.pk
