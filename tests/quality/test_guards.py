# ruff: noqa: S608 - raw SQL past the ORM is the point; table names come from the models
"""The database refuses to rewrite what an inspection decided: raw SQL, on both databases."""

import pytest
from django.db import IntegrityError, connection, transaction

from quality.models import Inspection, PieceOutcome
from quality.services import inspection_dispose

from .factories import inspect, lot_with_households

pytestmark = pytest.mark.django_db


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


INSPECTIONS = connection.ops.quote_name(Inspection._meta.db_table)
OUTCOMES = connection.ops.quote_name(PieceOutcome._meta.db_table)


@pytest.fixture
def decided(checker, workshop) -> Inspection:
    lot, _households = lot_with_households(workshop, [60, 40])
    inspection = inspect(lot, checker)
    assert inspection.decided_at is not None
    return inspection


def test_a_piece_outcome_cannot_be_raised_or_deleted(decided):
    before = sorted(PieceOutcome.objects.filter(inspection=decided).values_list("pk", "accepted"))
    with pytest.raises(IntegrityError, match="never rewritten"):
        raw(f"UPDATE {OUTCOMES} SET accepted = 1000 WHERE inspection_id = %s", [decided.pk])
    with pytest.raises(IntegrityError, match="never rewritten"):
        raw(f"DELETE FROM {OUTCOMES} WHERE inspection_id = %s", [decided.pk])
    after = sorted(PieceOutcome.objects.filter(inspection=decided).values_list("pk", "accepted"))
    assert after == before
    assert sum(accepted for _pk, accepted in after) == 100


@pytest.mark.parametrize(
    "change",
    [
        "verdict = 'rejected'",
        "decided_at = NULL",
        "nonconforming = 5",
        "note = 'changed later'",
        "disposition = 'scrap'",
    ],
)
def test_a_decided_inspection_cannot_be_rewritten(decided, change):
    before = Inspection.objects.filter(pk=decided.pk).values().get()
    with pytest.raises(IntegrityError, match="never rewritten"):
        raw(f"UPDATE {INSPECTIONS} SET {change} WHERE id = %s", [decided.pk])
    assert Inspection.objects.filter(pk=decided.pk).values().get() == before


def test_a_decided_inspection_cannot_be_deleted(decided):
    with pytest.raises(IntegrityError, match="never rewritten"):
        raw(f"DELETE FROM {INSPECTIONS} WHERE id = %s", [decided.pk])
    assert Inspection.objects.filter(pk=decided.pk).exists()


def test_a_rejected_inspection_keeps_its_verdict_and_is_disposed_of_once(checker, workshop):
    lot, _households = lot_with_households(workshop, [60, 40])
    rejected = inspect(lot, checker, ("stain", "major", 3, None))
    with pytest.raises(IntegrityError, match="never rewritten"):
        raw(f"UPDATE {INSPECTIONS} SET verdict = 'accepted' WHERE id = %s", [rejected.pk])
    inspection_dispose(actor=checker, inspection_id=rejected.pk, disposition="rework")
    with pytest.raises(IntegrityError, match="never rewritten"):
        raw(f"UPDATE {INSPECTIONS} SET disposition = 'sort' WHERE id = %s", [rejected.pk])
    rejected.refresh_from_db()
    assert (rejected.verdict, rejected.disposition, rejected.decided_at) == (
        "rejected",
        "rework",
        None,
    )


def test_sorting_a_rejected_lot_still_decides_it(checker, workshop):
    """What the services write (disposition once, then decided_at once) stays allowed."""
    lot, (a, _b) = lot_with_households(workshop, [60, 40])
    rejected = inspect(lot, checker, ("stain", "major", 3, None))
    inspection_dispose(
        actor=checker,
        inspection_id=rejected.pk,
        disposition="sort",
        rejected_by_household={a.pk: 2},
        note="全检",
    )
    rejected.refresh_from_db()
    assert rejected.disposition == "sort" and rejected.decided_at is not None
    assert sorted(PieceOutcome.objects.filter(lot=lot).values_list("accepted", "rejected")) == [
        (40, 0),
        (58, 2),
    ]
