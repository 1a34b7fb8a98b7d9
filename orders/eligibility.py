"""May this workshop take this batch? One rule for claims, the open-batch list and notices.

A workshop may claim an open batch when it is active, has every skill the order requires, is
served by the order's target service center (if the order names one), the deadline has not
come, and its spare capacity before the deadline covers the batch:

    spare = daily_capacity × days_left − outstanding pieces

where ``days_left`` counts whole days from today to the deadline and ``outstanding`` is what the
workshop already holds and has not had back (claimed and in-production batches, less what
households have returned or lost on those in production).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Sum

from core.errors import ApplicationError
from workshops.models import Workshop

from .errors import (
    BatchDeadlinePassed,
    BatchOtherRegion,
    SkillMissing,
    WorkshopNoCapacity,
    WorkshopSuspended,
)
from .models import Batch, Ticket

HELD_STATUSES = (Batch.Status.CLAIMED, Batch.Status.IN_PRODUCTION)


@dataclass(frozen=True)
class WorkshopFit:
    """What eligibility needs to know about one workshop."""

    workshop_id: int
    active: bool
    service_center_id: int | None
    skill_ids: frozenset[int]
    daily_capacity: int
    outstanding: int


@dataclass(frozen=True)
class BatchNeed:
    """What eligibility needs to know about one batch."""

    batch_id: int
    quantity: int
    deadline: date
    service_center_id: int | None
    required_skill_ids: frozenset[int]


def outstanding_pieces(workshop_ids: Iterable[int]) -> dict[int, int]:
    """Pieces each workshop holds and has not had back, in two aggregate queries."""
    ids = list(workshop_ids)
    held = dict(
        Batch.objects.filter(workshop_id__in=ids, status__in=HELD_STATUSES)
        .values("workshop_id")
        .annotate(total=Sum("quantity"))
        .values_list("workshop_id", "total")
    )
    done = dict(
        Ticket.objects.filter(batch__workshop_id__in=ids, batch__status=Batch.Status.IN_PRODUCTION)
        .values("batch__workshop_id")
        .annotate(total=Sum(F("returned") + F("lost")))
        .values_list("batch__workshop_id", "total")
    )
    return {pk: max(0, (held.get(pk) or 0) - (done.get(pk) or 0)) for pk in ids}


def workshop_fits(workshops: Iterable[Workshop]) -> dict[int, WorkshopFit]:
    """Fits for ``workshops`` (with ``organisation`` loaded; skills are fetched in one query)."""
    workshops = list(workshops)
    ids = [w.pk for w in workshops]
    skills: dict[int, set[int]] = {pk: set() for pk in ids}
    for workshop_id, skill_id in Workshop.skills.through.objects.filter(
        workshop_id__in=ids
    ).values_list("workshop_id", "skill_id"):
        skills[workshop_id].add(skill_id)
    outstanding = outstanding_pieces(ids)
    return {
        w.pk: WorkshopFit(
            workshop_id=w.pk,
            active=w.status == Workshop.Status.ACTIVE,
            service_center_id=w.organisation.service_center_id,
            skill_ids=frozenset(skills[w.pk]),
            daily_capacity=w.daily_capacity,
            outstanding=outstanding[w.pk],
        )
        for w in workshops
    }


def batch_needs(batches: Iterable[Batch]) -> dict[int, BatchNeed]:
    """Needs for ``batches`` (with ``order`` loaded; required skills fetched in one query)."""
    batches = list(batches)
    order_ids = {b.order_id for b in batches}
    required: dict[int, set[int]] = {pk: set() for pk in order_ids}
    from .models import Order

    for order_id, skill_id in Order.required_skills.through.objects.filter(
        order_id__in=order_ids
    ).values_list("order_id", "skill_id"):
        required[order_id].add(skill_id)
    return {
        b.pk: BatchNeed(
            batch_id=b.pk,
            quantity=b.quantity,
            deadline=b.order.deadline,
            service_center_id=b.order.service_center_id,
            required_skill_ids=frozenset(required[b.order_id]),
        )
        for b in batches
    }


def days_left(deadline: date, today: date) -> int:
    return (deadline - today).days


def spare_capacity(fit: WorkshopFit, deadline: date, today: date) -> int:
    return fit.daily_capacity * max(0, days_left(deadline, today)) - fit.outstanding


def claim_refusal(need: BatchNeed, fit: WorkshopFit, today: date) -> ApplicationError | None:
    """The first reason ``fit`` may not take ``need``, or None when it may."""
    if not fit.active:
        return WorkshopSuspended(detail={"workshop_id": fit.workshop_id})
    missing = need.required_skill_ids - fit.skill_ids
    if missing:
        from workshops.models import Skill

        codes = sorted(Skill.objects.filter(pk__in=missing).values_list("code", flat=True))
        return SkillMissing(detail={"missing": codes})
    if need.service_center_id is not None and need.service_center_id != fit.service_center_id:
        return BatchOtherRegion(detail={"service_center_id": need.service_center_id})
    if days_left(need.deadline, today) <= 0:
        return BatchDeadlinePassed(detail={"deadline": need.deadline.isoformat()})
    spare = spare_capacity(fit, need.deadline, today)
    if spare < need.quantity:
        return WorkshopNoCapacity(
            detail={
                "needed": need.quantity,
                "spare": max(0, spare),
                "daily_capacity": fit.daily_capacity,
                "days_left": days_left(need.deadline, today),
                "outstanding": fit.outstanding,
            }
        )
    return None


def may_claim(need: BatchNeed, fit: WorkshopFit, today: date) -> bool:
    """Like ``claim_refusal`` but without building an error (for lists of thousands)."""
    return (
        fit.active
        and need.required_skill_ids <= fit.skill_ids
        and (need.service_center_id is None or need.service_center_id == fit.service_center_id)
        and days_left(need.deadline, today) > 0
        and spare_capacity(fit, need.deadline, today) >= need.quantity
    )
