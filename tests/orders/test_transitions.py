import itertools

import pytest

from orders.models import BATCH_TRANSITIONS, Batch, BatchEvent
from orders.services import BatchTransitionRefused, batch_transition
from tests.factories import make_workshop

from .factories import make_order

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in Batch.Status]
ALLOWED = sorted((a, b) for a, targets in BATCH_TRANSITIONS.items() for b in targets)
REFUSED = sorted(
    (a, b) for a, b in itertools.product(STATUSES, STATUSES) if (a, b) not in set(ALLOWED)
)


def batch_in(status: str) -> Batch:
    """A batch put straight into ``status`` (held statuses get a workshop, as the DB demands)."""
    order = make_order()
    held = status not in (Batch.Status.OPEN, Batch.Status.CANCELLED)
    return Batch.objects.create(
        order=order,
        number=1,
        quantity=100,
        status=status,
        workshop=make_workshop() if held else None,
    )


def test_the_table_covers_every_status():
    assert set(BATCH_TRANSITIONS) == set(STATUSES)
    assert BATCH_TRANSITIONS[Batch.Status.CLOSED] == set()
    assert BATCH_TRANSITIONS[Batch.Status.CANCELLED] == set()


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_transition_changes_status_and_writes_an_event(
    operator, from_status, to_status
):
    batch = batch_in(from_status)
    workshop = make_workshop() if from_status == Batch.Status.OPEN else None
    moved = batch_transition(
        batch_id=batch.pk,
        from_status=from_status,
        to_status=to_status,
        actor=operator,
        reason="test",
        workshop=workshop if to_status == Batch.Status.CLAIMED else None,
    )
    assert moved.status == to_status
    event = BatchEvent.objects.get(batch=batch)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        from_status,
        to_status,
        operator,
        "test",
    )
    if to_status == Batch.Status.OPEN:
        assert moved.workshop is None and moved.claimed_at is None


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_every_transition_outside_the_table_is_refused_and_changes_nothing(
    operator, from_status, to_status
):
    batch = batch_in(from_status)
    with pytest.raises(BatchTransitionRefused) as refused:
        batch_transition(
            batch_id=batch.pk, from_status=from_status, to_status=to_status, actor=operator
        )
    assert refused.value.status == 409
    assert refused.value.code == "batch_transition_refused"
    batch.refresh_from_db()
    assert batch.status == from_status
    assert not BatchEvent.objects.filter(batch=batch).exists()


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_an_allowed_transition_from_a_stale_status_is_refused(operator, from_status, to_status):
    """The guard is in the database: the row's real status must match ``from_status``."""
    actual = next(s for s in STATUSES if s != from_status and s != Batch.Status.CANCELLED)
    batch = batch_in(actual)
    with pytest.raises(BatchTransitionRefused):
        batch_transition(
            batch_id=batch.pk, from_status=from_status, to_status=to_status, actor=operator
        )
    batch.refresh_from_db()
    assert batch.status == actual
    assert not BatchEvent.objects.filter(batch=batch).exists()
