"""Builders for the closing of the loop: a returned batch whose pieces are all packed into one
finished lot, inspected and accepted (ready to be received)."""

from orders.models import Batch, Order
from quality.models import Lot
from tests.quality.factories import finished_lot, inspect, make_batch, returned


def accepted_lot(workshop, checker, *, pieces=(60, 40), order: Order | None = None, **fields):
    """A returned batch of sum(pieces) whose households' pieces are one finished lot,
    inspected and accepted: the batch is then inspected, waiting for the goods to arrive."""
    batch = make_batch(
        workshop, status=Batch.Status.RETURNED, order=order, quantity=sum(pieces), **fields
    )
    households = [returned(batch, pieces=p) for p in pieces]
    lot = finished_lot(batch, dict(zip(households, pieces, strict=True)))
    inspect(lot, checker)
    lot.refresh_from_db()
    assert lot.verdict == Lot.Verdict.ACCEPTED
    return lot, households
