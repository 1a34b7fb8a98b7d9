"""Daily capacity: an operator's change, a decrease, and a lead's increase within
``capacity_bound`` apply at once; a lead's larger increase waits for an operator to confirm or
reject it. Every change is a recorded ``WorkshopCapacityChange``.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, NotFound

from ..models import (
    Workshop,
    WorkshopCapacityChange,
)
from ._common import Role, _workshop_for_update

# A lead's capacity increase applies at once only up to both bounds below; beyond either, it
# waits for an operator (docs/workshops.md).
PIECES_PER_HOUSEHOLD_PER_DAY = 60
CAPACITY_GROWTH_WITHOUT_CONFIRMATION = 2
MAX_DAILY_CAPACITY = 1_000_000


class CapacityInvalid(BadRequest):
    code = "capacity_not_positive"
    message = _("日产能必须是 1 到 1,000,000 之间的整数。")


class CapacityChangeNotFound(NotFound):
    code = "capacity_change_not_found"
    message = _("产能变更申请不存在，或不属于您。")


class CapacityChangeNotPending(Conflict):
    code = "capacity_change_not_pending"
    message = _("该产能变更申请已处理，不能再确认或驳回。")


class CapacityDecisionReasonRequired(BadRequest):
    code = "capacity_decision_reason_required"
    message = _("驳回产能变更必须填写原因。")


def capacity_bound(*, workshop: Workshop) -> int:
    """The highest capacity a lead may set without an operator's confirmation."""
    households = workshop.households.filter(is_active=True).count()
    return min(
        workshop.daily_capacity * CAPACITY_GROWTH_WITHOUT_CONFIRMATION,
        households * PIECES_PER_HOUSEHOLD_PER_DAY,
    )


@transaction.atomic
def workshop_capacity_request(
    *, actor: User, workshop_id: int, daily_capacity: int, reason: str = ""
) -> WorkshopCapacityChange | None:
    """Change a workshop's daily capacity, recorded; a lead's large increase waits.

    An operator's change, a decrease, and a lead's increase up to ``capacity_bound`` apply at
    once. A lead's increase beyond it is ``pending``: the workshop keeps its capacity until an
    operator confirms. A new request supersedes a pending one; asking for the current capacity
    only withdraws it (no new row, returns None).
    """
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    if not 1 <= daily_capacity <= MAX_DAILY_CAPACITY:
        raise CapacityInvalid(detail={"daily_capacity": daily_capacity})
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    now = timezone.now()
    WorkshopCapacityChange.objects.filter(
        workshop=workshop, status=WorkshopCapacityChange.Status.PENDING
    ).update(
        status=WorkshopCapacityChange.Status.SUPERSEDED,
        decided_by=actor,
        decided_at=now,
    )
    if daily_capacity == workshop.daily_capacity:
        return None
    waits = (
        not is_operator(actor)
        and daily_capacity > workshop.daily_capacity
        and daily_capacity > capacity_bound(workshop=workshop)
    )
    change = WorkshopCapacityChange.objects.create(
        workshop=workshop,
        from_capacity=workshop.daily_capacity,
        to_capacity=daily_capacity,
        reason=(reason or "").strip()[:200],
        status=(
            WorkshopCapacityChange.Status.PENDING
            if waits
            else WorkshopCapacityChange.Status.APPLIED
        ),
        requested_by=actor,
        requested_at=now,
    )
    if not waits:
        Workshop.objects.filter(pk=workshop.pk).update(daily_capacity=daily_capacity)
    return change


def _capacity_decide(
    *, actor: User, workshop_id: int, change_id: int, status: str, note: str
) -> WorkshopCapacityChange:
    ensure_role(actor, Role.OPERATOR)
    change = (
        WorkshopCapacityChange.objects.select_for_update()
        .filter(pk=change_id, workshop_id=workshop_id)
        .first()
    )
    if change is None:
        raise CapacityChangeNotFound(detail={"change_id": change_id})
    won = WorkshopCapacityChange.objects.filter(
        pk=change.pk, status=WorkshopCapacityChange.Status.PENDING
    ).update(status=status, decided_by=actor, decided_at=timezone.now(), decision_note=note)
    if not won:
        raise CapacityChangeNotPending(detail={"change_id": change_id, "status": change.status})
    if status == WorkshopCapacityChange.Status.CONFIRMED:
        Workshop.objects.filter(pk=workshop_id).update(daily_capacity=change.to_capacity)
    change.refresh_from_db()
    return change


@transaction.atomic
def workshop_capacity_confirm(
    *, actor: User, workshop_id: int, change_id: int, note: str = ""
) -> WorkshopCapacityChange:
    """An operator confirms a lead's pending capacity increase: it takes effect now."""
    return _capacity_decide(
        actor=actor,
        workshop_id=workshop_id,
        change_id=change_id,
        status=WorkshopCapacityChange.Status.CONFIRMED,
        note=(note or "").strip()[:200],
    )


@transaction.atomic
def workshop_capacity_reject(
    *, actor: User, workshop_id: int, change_id: int, reason: str
) -> WorkshopCapacityChange:
    """An operator rejects a lead's pending capacity increase, saying why; nothing changes."""
    reason = (reason or "").strip()
    if not reason:
        raise CapacityDecisionReasonRequired()
    return _capacity_decide(
        actor=actor,
        workshop_id=workshop_id,
        change_id=change_id,
        status=WorkshopCapacityChange.Status.REJECTED,
        note=reason[:200],
    )
