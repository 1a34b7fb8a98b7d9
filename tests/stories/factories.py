import uuid

from django.utils import timezone

from orders.models import Batch
from quality.models import Lot
from quality.scans import scan_record
from tests.quality.factories import finished_lot, inspect, make_batch, returned
from workshops.models import HouseholdConsent


def make_story_lot(workshop, checker):
    """An accepted finished lot of three households (one consented to be named on story pages,
    one only to data processing, one to nothing), shipped by the lead and received by the
    checker."""
    pieces = (50, 30, 20)
    batch = make_batch(workshop, status=Batch.Status.RETURNED, quantity=sum(pieces))
    households = [returned(batch, pieces=p) for p in pieces]
    lot = finished_lot(batch, dict(zip(households, pieces, strict=True)))
    named, processing_only, silent = households
    named.name, processing_only.name, silent.name = "卓玛", "拉姆", "次仁"
    for household in households:
        household.phone = "13912345678"
        household.save(update_fields=["name", "phone"])
    HouseholdConsent.objects.create(
        household=named, purpose="story", method="paper", recorded_by=workshop.lead
    )
    HouseholdConsent.objects.create(
        household=processing_only,
        purpose="data_processing",
        method="paper",
        recorded_by=workshop.lead,
    )
    for actor, action in ((workshop.lead, "shipped"), (checker, "received")):
        scan_record(
            actor=actor,
            key=str(uuid.uuid4()),
            code=lot.code,
            action=action,
            device_time=timezone.now(),
        )
    inspect(lot, checker)
    lot.refresh_from_db()
    assert (lot.stage, lot.verdict) == (Lot.Stage.INSPECTED, Lot.Verdict.ACCEPTED)
    return lot, households
