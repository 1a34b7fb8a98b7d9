"""Writes for orders and batches. Every batch status change goes through ``batch_transition``."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from config.errors import Conflict, NotFound
from workshops.models import Workshop

from .models import BATCH_TRANSITIONS, Batch, BatchEvent


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
        changes.update(workshop=None, claimed_by=None, claimed_at=None)
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
