"""The batch state machine: every batch status change goes through ``batch_transition``.

Rules:
- The allowed moves are data (``orders.models.BATCH_TRANSITIONS``); any other move is refused
  (409 ``batch_transition_refused``) and changes nothing.
- The database decides: a conditional UPDATE on (pk, status[, workshop]) succeeds for exactly
  one of racing callers, and each move writes one ``BatchEvent`` (who, when, from, to, why).
- Moving back to open clears the holder (workshop, claimed by, claimed at, expiry warning).
- A batch the actor may not act on is 404 ``batch_not_found``, never 403 (``_held_batch``,
  shared with claims and tickets).

The moves that are not claims live here too: ``batch_start_production`` (materials arrived:
claimed → in production) and ``batch_mark_returned`` (no piece still out with a household:
in production → returned).
"""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import is_operator
from core.errors import Conflict, NotFound
from workshops.models import Workshop

from .. import errors
from ..models import BATCH_TRANSITIONS, Batch, BatchEvent, Ticket

Role = User.Role


class BatchNotFound(NotFound):
    code = "batch_not_found"
    message = _("批次不存在，或不属于您。")


class BatchTransitionRefused(Conflict):
    code = "batch_transition_refused"
    message = _("批次当前状态不允许这一步。")


@transaction.atomic
def batch_transition(
    *,
    batch_id: int,
    from_status: str,
    to_status: str,
    actor: User | None,
    reason: str = "",
    workshop: Workshop | None = None,
    expected_workshop_id: int | None = None,
    **fields,
) -> Batch:
    """Move one batch from ``from_status`` to ``to_status``, or raise 409 and change nothing.

    The database decides: a conditional UPDATE on (pk, status[, workshop]) succeeds for exactly
    one caller when several race, and an event row records who, when, from, to and why.
    ``workshop`` sets the holder (claim); moving back to open clears it.
    """
    if to_status not in BATCH_TRANSITIONS.get(from_status, set()):
        raise BatchTransitionRefused(
            detail={"batch_id": batch_id, "from": from_status, "to": to_status}
        )
    now = timezone.now()
    guard = {"pk": batch_id, "status": from_status}
    if expected_workshop_id is not None:
        guard["workshop_id"] = expected_workshop_id
    changes = {"status": to_status, "updated_at": now, **fields}
    if workshop is not None:
        changes["workshop"] = workshop
    if to_status == Batch.Status.OPEN:
        changes.update(workshop=None, claimed_by=None, claimed_at=None, claim_warned_at=None)
    won = Batch.objects.filter(**guard).update(**changes)
    if not won:
        current = Batch.objects.filter(pk=batch_id).values("status", "workshop_id").first()
        if current is None:
            raise BatchNotFound(detail={"batch_id": batch_id})
        raise BatchTransitionRefused(
            detail={
                "batch_id": batch_id,
                "from": from_status,
                "to": to_status,
                "current": current["status"],
            }
        )
    batch = Batch.objects.select_related("order", "workshop").get(pk=batch_id)
    BatchEvent.objects.create(
        batch=batch,
        from_status=from_status,
        to_status=to_status,
        workshop=batch.workshop,
        actor=actor,
        reason=reason,
        at=now,
    )
    return batch


def _held_batch(*, actor: User, batch_id: int) -> Batch:
    """A batch held by the actor's workshop (leads) or any batch (operators); else 404."""
    batch = Batch.objects.select_related("order", "workshop").filter(pk=batch_id).first()
    if batch is None:
        raise BatchNotFound(detail={"batch_id": batch_id})
    if is_operator(actor):
        return batch
    if (
        actor.role != Role.LEAD
        or batch.workshop is None
        or (batch.workshop.organisation_id != actor.organisation_id)
    ):
        raise BatchNotFound(detail={"batch_id": batch_id})
    return batch


@transaction.atomic
def batch_start_production(*, batch_id: int, actor: User | None) -> Batch:
    """Materials arrived (the material lot's arrival scan): claimed → in production.

    ``actor`` is the lead of the holding workshop, an operator, a checker of the service center
    that serves the workshop, or None for the system.
    """
    batch = Batch.objects.select_related("workshop__organisation").filter(pk=batch_id).first()
    if batch is None:
        raise BatchNotFound(detail={"batch_id": batch_id})
    if actor is not None and not is_operator(actor):
        organisation = batch.workshop.organisation if batch.workshop else None
        allowed = organisation is not None and (
            (actor.role == Role.LEAD and organisation.pk == actor.organisation_id)
            or (
                actor.role == Role.CHECKER
                and organisation.service_center_id == actor.organisation_id
            )
        )
        if not allowed:
            raise BatchNotFound(detail={"batch_id": batch_id})
    return batch_transition(
        batch_id=batch_id,
        from_status=Batch.Status.CLAIMED,
        to_status=Batch.Status.IN_PRODUCTION,
        actor=actor,
        reason="materials_received",
        expected_workshop_id=batch.workshop_id,
        production_started_at=timezone.now(),
    )


@transaction.atomic
def batch_mark_returned(*, batch_id: int, actor: User | None) -> Batch:
    """Every household has handed its pieces back: in production → returned.

    Refused while any ticket still has pieces out, or when nothing came back at all.
    """
    if actor is not None:
        _held_batch(actor=actor, batch_id=batch_id)
    batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise BatchNotFound(detail={"batch_id": batch_id})
    if batch.status != Batch.Status.IN_PRODUCTION:
        raise errors.BatchNotInProduction(detail={"batch_id": batch_id, "status": batch.status})
    totals = Ticket.objects.filter(batch_id=batch_id).aggregate(
        issued=Sum("issued"), returned=Sum("returned"), lost=Sum("lost")
    )
    issued, returned, lost = (totals[k] or 0 for k in ("issued", "returned", "lost"))
    if issued != returned + lost:
        raise errors.TicketsOutstanding(detail={"outstanding": issued - returned - lost})
    if returned == 0:
        raise errors.NothingReturned(detail={"batch_id": batch_id})
    return batch_transition(
        batch_id=batch_id,
        from_status=Batch.Status.IN_PRODUCTION,
        to_status=Batch.Status.RETURNED,
        actor=actor,
        reason="returned",
    )
