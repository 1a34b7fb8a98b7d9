"""Tickets: the pieces of an in-production batch handed to households, and handed back.

Rules:
- Conservation: the tickets of a batch never issue more than the batch holds (the batch row is
  locked while the pieces already issued are summed), and a ticket's returned + lost never
  exceeds what it issued (one conditional UPDATE with F()).
- Lost pieces need a reason.
- A wrong return is corrected by a new entry (``ticket_return_correct``: −N or +N with a
  reason), never by editing the hand-back; the ticket's total takes it in, within 0..issued and
  never below what is already packed into finished lots.
- The writes take an idempotency key: a replay returns the first row (created is False); the
  same key with a different content is 409 ``idempotency_key_reused``.
"""

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from workshops.models import Household

from .. import errors
from ..models import Batch, Ticket, TicketReturn, TicketReturnCorrection
from ..readers import packed_pieces_by_household
from .batches import _held_batch

Role = User.Role


def _replayed_ticket(key: uuid.UUID, *, batch_id: int, household_id: int, quantity: int):
    ticket = Ticket.objects.filter(idempotency_key=key).first()
    if ticket is None:
        return None
    if (ticket.batch_id, ticket.household_id, ticket.issued) != (batch_id, household_id, quantity):
        raise errors.IdempotencyKeyReused(detail={"idempotency_key": str(key)})
    return ticket


@transaction.atomic
def ticket_issue(
    *,
    actor: User,
    batch_id: int,
    household_id: int,
    quantity: int,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Ticket, bool]:
    """Hand ``quantity`` pieces of an in-production batch to a household of its workshop.

    The batch row is locked while the pieces already issued are summed, so concurrent tickets
    can never together exceed the batch. Returns (ticket, created): a replay of the same
    idempotency key returns the first ticket.
    """
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    if quantity <= 0:
        raise errors.QuantityNotPositive(detail={"quantity": quantity})
    held = _held_batch(actor=actor, batch_id=batch_id)
    if idempotency_key is not None:
        replay = _replayed_ticket(
            idempotency_key, batch_id=batch_id, household_id=household_id, quantity=quantity
        )
        if replay is not None:
            return replay, False
    batch = Batch.objects.select_for_update().get(pk=held.pk)
    if batch.status != Batch.Status.IN_PRODUCTION:
        raise errors.BatchNotInProduction(detail={"batch_id": batch_id, "status": batch.status})
    household = Household.objects.filter(
        pk=household_id, workshop_id=batch.workshop_id, is_active=True
    ).first()
    if household is None:
        raise errors.HouseholdNotFound(detail={"household_id": household_id})
    issued = Ticket.objects.filter(batch_id=batch.pk).aggregate(total=Sum("issued"))["total"] or 0
    remaining = batch.quantity - issued
    if quantity > remaining:
        raise errors.TicketAboveRemaining(
            detail={"requested": quantity, "remaining": remaining, "batch_quantity": batch.quantity}
        )
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                batch=batch,
                household=household,
                issued=quantity,
                issued_by=actor,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # The same key raced in from a second request and won: answer with its ticket.
        if idempotency_key is None:
            raise
        replay = _replayed_ticket(
            idempotency_key, batch_id=batch_id, household_id=household_id, quantity=quantity
        )
        if replay is None:
            raise
        return replay, False
    return ticket, True


@transaction.atomic
def ticket_return_record(
    *,
    actor: User,
    ticket_id: int,
    returned: int,
    lost: int = 0,
    loss_reason: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> tuple[TicketReturn, bool]:
    """Record pieces a household handed back (and pieces lost, with a reason).

    One conditional UPDATE with F() adds them only while returned + lost stays within issued;
    a TicketReturn row keeps each hand-back. Returns (row, created).
    """
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    if returned < 0 or lost < 0 or returned + lost == 0:
        raise errors.ReturnEmpty(detail={"returned": returned, "lost": lost})
    loss_reason = loss_reason.strip()
    if lost > 0 and not loss_reason:
        raise errors.LossReasonRequired()
    # The row lock serialises two sends of the same hand-back (same idempotency key), so the
    # second one finds the first's row; the conditional UPDATE below is the conservation guard.
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("batch__workshop")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or not (
        is_operator(actor)
        or (
            ticket.batch.workshop is not None
            and ticket.batch.workshop.organisation_id == actor.organisation_id
        )
    ):
        raise errors.TicketNotFound(detail={"ticket_id": ticket_id})
    if idempotency_key is not None:
        previous = TicketReturn.objects.filter(idempotency_key=idempotency_key).first()
        if previous is not None:
            if (previous.ticket_id, previous.returned, previous.lost) != (
                ticket_id,
                returned,
                lost,
            ):
                raise errors.IdempotencyKeyReused(detail={"idempotency_key": str(idempotency_key)})
            return previous, False
    if ticket.batch.status != Batch.Status.IN_PRODUCTION:
        raise errors.BatchNotInProduction(
            detail={"batch_id": ticket.batch_id, "status": ticket.batch.status}
        )
    added = Ticket.objects.filter(
        pk=ticket_id, issued__gte=F("returned") + F("lost") + returned + lost
    ).update(returned=F("returned") + returned, lost=F("lost") + lost)
    if not added:
        ticket.refresh_from_db()
        raise errors.ReturnAboveIssued(
            detail={"requested": returned + lost, "outstanding": ticket.outstanding}
        )
    row = TicketReturn.objects.create(
        ticket_id=ticket_id,
        returned=returned,
        lost=lost,
        loss_reason=loss_reason[:200],
        recorded_by=actor,
        idempotency_key=idempotency_key,
    )
    return row, True


def _replayed_correction(key: uuid.UUID, *, ticket_id: int, returned_change: int, reason: str):
    previous = TicketReturnCorrection.objects.filter(idempotency_key=key).first()
    if previous is None:
        return None
    if (previous.ticket_id, previous.returned_change, previous.reason) != (
        ticket_id,
        returned_change,
        reason,
    ):
        raise errors.IdempotencyKeyReused(detail={"idempotency_key": str(key)})
    return previous


@transaction.atomic
def ticket_return_correct(
    *,
    actor: User,
    ticket_id: int,
    returned_change: int,
    reason: str,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[TicketReturnCorrection, bool]:
    """Correct the pieces recorded as returned on a ticket by ``returned_change`` (−N or +N).

    A new entry, never an edit: the hand-backs stay as recorded, a correction row says by how
    much they were wrong and why, and the ticket's returned total takes it in (one conditional
    UPDATE: never below 0, returned + lost never above issued). Only while the batch is in
    production, and never below the household's pieces already packed into finished lots
    (the batch row is locked, as packing locks it). Returns (row, created).
    """
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    reason = reason.strip()
    if returned_change == 0:
        raise errors.CorrectionEmpty(detail={"returned_change": 0})
    if not reason:
        raise errors.CorrectionReasonRequired()
    reason = reason[:200]
    ticket = Ticket.objects.select_related("batch__workshop").filter(pk=ticket_id).first()
    if ticket is None or not (
        is_operator(actor)
        or (
            ticket.batch.workshop is not None
            and ticket.batch.workshop.organisation_id == actor.organisation_id
        )
    ):
        raise errors.TicketNotFound(detail={"ticket_id": ticket_id})
    # The batch row first: packing a finished lot (quality.lot_create) locks it too, so the
    # packed pieces read below cannot grow before this correction commits.
    batch = Batch.objects.select_for_update(of=("self",)).get(pk=ticket.batch_id)
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
    if idempotency_key is not None:
        replay = _replayed_correction(
            idempotency_key, ticket_id=ticket_id, returned_change=returned_change, reason=reason
        )
        if replay is not None:
            return replay, False
    if batch.status != Batch.Status.IN_PRODUCTION:
        raise errors.BatchNotInProduction(detail={"batch_id": batch.pk, "status": batch.status})
    figures = {"returned": ticket.returned, "lost": ticket.lost, "issued": ticket.issued}
    if ticket.returned + returned_change < 0:
        raise errors.CorrectionBelowZero(detail={"returned_change": returned_change, **figures})
    if ticket.returned + ticket.lost + returned_change > ticket.issued:
        raise errors.CorrectionAboveIssued(detail={"returned_change": returned_change, **figures})
    if returned_change < 0:
        household_returned = (
            Ticket.objects.filter(batch_id=batch.pk, household_id=ticket.household_id).aggregate(
                total=Sum("returned")
            )["total"]
            or 0
        )
        packed = packed_pieces_by_household(batch_id=batch.pk).get(ticket.household_id, 0)
        if household_returned + returned_change < packed:
            raise errors.CorrectionBelowPacked(
                detail={
                    "returned_change": returned_change,
                    "household_returned": household_returned,
                    "packed": packed,
                }
            )
    changed = Ticket.objects.filter(
        pk=ticket_id,
        returned__gte=-returned_change,
        issued__gte=F("returned") + F("lost") + returned_change,
    ).update(returned=F("returned") + returned_change)
    if not changed:  # pragma: no cover - the row is locked; the checks above saw it as it is
        raise errors.CorrectionAboveIssued(detail={"returned_change": returned_change, **figures})
    row = TicketReturnCorrection.objects.create(
        ticket_id=ticket_id,
        returned_change=returned_change,
        reason=reason,
        recorded_by=actor,
        idempotency_key=idempotency_key,
    )
    return row, True
