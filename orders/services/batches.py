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
claimed → in production, the manual fallback), ``batch_materials_arrived`` (a material lot's
arrival scan, maybe uploaded days after it was taken: see its docstring and docs/orders.md,
"Offline truth") and ``batch_mark_returned`` (no piece still out with a household:
in production → returned).
"""

from dataclasses import dataclass
from datetime import datetime

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
from ..webhooks import emit_batch_claimed

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
    batch = Batch.objects.select_related("order", "workshop__organisation").get(pk=batch_id)
    BatchEvent.objects.create(
        batch=batch,
        from_status=from_status,
        to_status=to_status,
        workshop=batch.workshop,
        actor=actor,
        reason=reason,
        at=now,
    )
    if to_status == Batch.Status.CLAIMED:
        # Every way a batch gets a holder (a lead's claim, an allocation, a restored claim).
        emit_batch_claimed(batch=batch)
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


@dataclass(frozen=True)
class MaterialsArrival:
    """What a material lot's arrival at ``workshop_id`` did to its batch.

    ``outcome``: ``started`` (claimed → in production), ``restored`` (the workshop's expired
    claim given back, then started), ``already_started`` (the workshop's batch was past
    claimed already) — or, when the arrival cannot count for the workshop, one of
    ``EXCEPTIONS``: ``batch_held_elsewhere`` (another workshop holds it now),
    ``batch_reopened`` (open, and not the workshop's to take back), ``batch_cancelled``.
    """

    outcome: str
    batch_status: str
    holder_id: int | None = None

    EXCEPTIONS = ("batch_held_elsewhere", "batch_reopened", "batch_cancelled")

    @property
    def is_exception(self) -> bool:
        return self.outcome in self.EXCEPTIONS


CLAIM_EXPIRED = "claim_expired"


@transaction.atomic
def batch_materials_arrived(
    *, batch_id: int, workshop_id: int, received_at: datetime, actor: User | None
) -> MaterialsArrival:
    """A material lot sent to ``workshop_id`` arrived there at ``received_at`` (device time).

    Offline truth: the phone may upload the scan days later. The arrival counts as of its
    device time (no later than now, no earlier than the claim):

    - the batch is still claimed by the workshop: production starts as of then;
    - the workshop's claim expired meanwhile and nobody has claimed the batch since (the
      batch's last move is that expiry): the claim is given back to the workshop (open →
      claimed, reason ``claim_restored_by_scan``, its original claimer and claim time), and
      production starts as of then — unless the workshop is suspended now;
    - anything else (another workshop holds the batch, the lead released it, a later claim
      came and went, the batch was cancelled) changes nothing here and is returned as an
      exception for quality to put in front of an operator.

    The batch row is locked first, so a lead's claim racing the restore waits and then loses
    its guarded UPDATE (or the restore finds the batch taken): one holder, whatever the timing.
    The caller (quality's scan ingest) has already checked the actor may scan the lot.
    """
    batch = Batch.objects.select_for_update(of=("self",)).filter(pk=batch_id).first()
    if batch is None:
        raise BatchNotFound(detail={"batch_id": batch_id})
    elsewhere = _not_for(batch, workshop_id)
    if elsewhere is not None:
        return elsewhere
    claimed_at, outcome = batch.claimed_at, "started"
    try:
        if batch.status == Batch.Status.OPEN:
            claim = _expired_claim(batch_id=batch_id, workshop_id=workshop_id)
            if claim is None:
                return MaterialsArrival("batch_reopened", batch.status)
            claimed_at, outcome = claim.at, "restored"
            batch_transition(
                batch_id=batch_id,
                from_status=Batch.Status.OPEN,
                to_status=Batch.Status.CLAIMED,
                actor=actor,
                reason="claim_restored_by_scan",
                workshop=claim.workshop,
                claimed_by_id=claim.actor_id,
                claimed_at=claim.at,
            )
        started_at = min(timezone.now(), max(received_at, claimed_at or received_at))
        batch = batch_transition(
            batch_id=batch_id,
            from_status=Batch.Status.CLAIMED,
            to_status=Batch.Status.IN_PRODUCTION,
            actor=actor,
            reason="materials_received",
            expected_workshop_id=workshop_id,
            production_started_at=started_at,
        )
    except BatchTransitionRefused:
        # Only where the row lock is not real (SQLite): the batch moved between the read and
        # the guarded UPDATE. Say what it is now; the guard changed nothing.
        batch = Batch.objects.get(pk=batch_id)
        return _not_for(batch, workshop_id) or MaterialsArrival("batch_reopened", batch.status)
    return MaterialsArrival(outcome, batch.status, workshop_id)


def _not_for(batch: Batch, workshop_id: int) -> MaterialsArrival | None:
    """Why the batch cannot start for ``workshop_id``, or ``already_started``; None when it
    is claimed by the workshop or open (the caller decides)."""
    if batch.status == Batch.Status.CANCELLED:
        return MaterialsArrival("batch_cancelled", batch.status)
    if batch.status != Batch.Status.OPEN and batch.workshop_id != workshop_id:
        return MaterialsArrival("batch_held_elsewhere", batch.status, batch.workshop_id)
    if batch.status not in (Batch.Status.OPEN, Batch.Status.CLAIMED):
        return MaterialsArrival("already_started", batch.status, batch.workshop_id)
    return None


def _expired_claim(*, batch_id: int, workshop_id: int) -> BatchEvent | None:
    """The workshop's claim, if the batch's last move was that claim expiring (else None),
    and the workshop may still take work."""
    last_two = list(
        BatchEvent.objects.filter(batch_id=batch_id).select_related("workshop").order_by("-pk")[:2]
    )
    if len(last_two) < 2:
        return None
    reopened, claim = last_two
    if (
        reopened.to_status != Batch.Status.OPEN
        or reopened.reason != CLAIM_EXPIRED
        or claim.to_status != Batch.Status.CLAIMED
        or claim.workshop_id != workshop_id
        or claim.workshop.status != Workshop.Status.ACTIVE
    ):
        return None
    return claim


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
    batch = batch_transition(
        batch_id=batch_id,
        from_status=Batch.Status.IN_PRODUCTION,
        to_status=Batch.Status.RETURNED,
        actor=actor,
        reason="returned",
    )
    # Its lots may all be decided and received already: the batch moves on at once.
    from .completion import batch_settle

    batch_settle(batch_id=batch_id, actor=actor)
    batch.refresh_from_db(fields=["status", "updated_at"])
    return batch
