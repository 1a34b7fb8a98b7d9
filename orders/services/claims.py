"""Claims: a lead takes an open batch for their workshop, gives it back, or loses it by expiry.

Rules:
- Whether a workshop may claim a batch is ``orders.eligibility``'s to say; the claim, and the
  notice of a newly published order, both ask it. A refused claim says why.
- The workshop row is locked for a claim, so two leads of one workshop cannot both pass the
  capacity check; of racing claims on one batch exactly one wins, the others get 409
  ``batch_already_claimed``.
- A claim lasts ``BATCH_CLAIM_TTL_HOURS`` until the materials arrive. ``batch_claims_expire``
  reopens the late ones and warns ``BATCH_CLAIM_WARN_HOURS`` ahead, once per claim; it is safe
  to run twice and never takes back a batch whose materials arrived meanwhile.
- Leads are told after commit.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from workshops.models import Workshop

from .. import errors
from ..eligibility import batch_needs, claim_refusal, may_claim, workshop_fits
from ..models import Batch, Order
from .batches import (
    CLAIM_EXPIRED,
    BatchNotFound,
    BatchTransitionRefused,
    _held_batch,
    batch_transition,
)

Role = User.Role


def _lead_workshop(actor: User, *, lock: bool = False) -> Workshop:
    ensure_role(actor, Role.LEAD)
    workshops = Workshop.objects.select_related("organisation")
    if lock:
        # One claim at a time per workshop: two of its leads claiming two batches at once must
        # not both pass the capacity check.
        workshops = workshops.select_for_update(of=("self",))
    workshop = workshops.filter(organisation_id=actor.organisation_id).first()
    if workshop is None:
        raise errors.NoWorkshop()
    return workshop


@transaction.atomic
def batch_claim(*, actor: User, batch_id: int) -> Batch:
    """A lead claims an open batch for their workshop. Exactly one of racing claims wins."""
    workshop = _lead_workshop(actor, lock=True)
    batch = Batch.objects.select_related("order").filter(pk=batch_id).first()
    if batch is None or batch.order.status == Order.Status.DRAFT:
        raise BatchNotFound(detail={"batch_id": batch_id})
    center_id = batch.order.service_center_id
    if center_id is not None and center_id != workshop.organisation.service_center_id:
        # Meant for another region: the same answer whatever the batch's state, so that a
        # lead elsewhere never learns whether (or by whom) it was taken.
        raise errors.BatchOtherRegion(detail={"service_center_id": center_id})
    if batch.status != Batch.Status.OPEN:
        if batch.workshop_id is not None and batch.status in (
            Batch.Status.CLAIMED,
            Batch.Status.IN_PRODUCTION,
        ):
            raise errors.BatchAlreadyClaimed(detail={"batch_id": batch_id})
        raise errors.BatchNotOpen(detail={"batch_id": batch_id, "status": batch.status})
    today = timezone.localdate()
    fit = workshop_fits([workshop])[workshop.pk]
    need = batch_needs([batch])[batch.pk]
    refusal = claim_refusal(need, fit, today)
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            return batch_transition(
                batch_id=batch.pk,
                from_status=Batch.Status.OPEN,
                to_status=Batch.Status.CLAIMED,
                actor=actor,
                reason="claimed",
                workshop=workshop,
                claimed_by=actor,
                claimed_at=timezone.now(),
            )
    except BatchTransitionRefused as exc:
        # Someone else's conditional UPDATE got there first.
        raise errors.BatchAlreadyClaimed(detail={"batch_id": batch_id}) from exc


@transaction.atomic
def batch_release(*, actor: User, batch_id: int, reason: str = "") -> Batch:
    """Give a claimed batch back (before production starts): it is open again for anyone."""
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    batch = _held_batch(actor=actor, batch_id=batch_id)
    if batch.status != Batch.Status.CLAIMED:
        raise errors.BatchNotHeld(detail={"batch_id": batch_id, "status": batch.status})
    try:
        with transaction.atomic():
            return batch_transition(
                batch_id=batch.pk,
                from_status=Batch.Status.CLAIMED,
                to_status=Batch.Status.OPEN,
                actor=actor,
                reason=(reason or "released")[:200],
                expected_workshop_id=batch.workshop_id,
            )
    except BatchTransitionRefused as exc:
        raise errors.BatchNotHeld(detail={"batch_id": batch_id}) from exc


def claim_ttl() -> timedelta:
    return timedelta(hours=settings.BATCH_CLAIM_TTL_HOURS)


def claim_warning_lead() -> timedelta:
    return timedelta(hours=settings.BATCH_CLAIM_WARN_HOURS)


def batch_claims_expire(*, now: datetime | None = None) -> list[int]:
    """Reopen every claimed batch whose materials did not arrive in time; tell the leads.

    Also warns, once per claim, the leads whose claims will expire within
    ``BATCH_CLAIM_WARN_HOURS`` (a guarded UPDATE on ``claim_warned_at IS NULL`` makes the
    warning go out exactly once however often the beat runs).

    Each batch is its own transaction and its own guarded transition, so a batch whose
    materials arrive while this runs (claimed → in production) simply stays with its workshop.
    Running it twice releases nothing twice. Returns the ids of the batches released.
    """
    now = now or timezone.now()
    cutoff = now - claim_ttl()
    released: list[int] = []
    expired = Batch.objects.filter(status=Batch.Status.CLAIMED, claimed_at__lt=cutoff).values_list(
        "pk", "workshop_id"
    )
    for batch_id, workshop_id in list(expired):
        try:
            with transaction.atomic():
                batch_transition(
                    batch_id=batch_id,
                    from_status=Batch.Status.CLAIMED,
                    to_status=Batch.Status.OPEN,
                    actor=None,
                    reason=CLAIM_EXPIRED,
                    expected_workshop_id=workshop_id,
                )
                transaction.on_commit(lambda b=batch_id, w=workshop_id: _notify_claim_expired(b, w))
        except BatchTransitionRefused:
            continue
        released.append(batch_id)
    _warn_claims_expiring(now=now, cutoff=cutoff)
    return released


def _warn_claims_expiring(*, now: datetime, cutoff: datetime) -> list[int]:
    soon = cutoff + claim_warning_lead()
    candidates = Batch.objects.filter(
        status=Batch.Status.CLAIMED,
        claimed_at__gte=cutoff,
        claimed_at__lt=soon,
        claim_warned_at__isnull=True,
    ).values_list("pk", "workshop_id", "claimed_at")
    warned = []
    for batch_id, workshop_id, claimed_at in list(candidates):
        with transaction.atomic():
            won = Batch.objects.filter(
                pk=batch_id,
                status=Batch.Status.CLAIMED,
                claimed_at=claimed_at,
                claim_warned_at__isnull=True,
            ).update(claim_warned_at=now)
            if not won:
                continue
            expires_at = claimed_at + claim_ttl()
            transaction.on_commit(
                lambda b=batch_id, w=workshop_id, e=expires_at: _notify_claim_expiring(b, w, e)
            )
        warned.append(batch_id)
    return warned


def _notify_claim_expiring(batch_id: int, workshop_id: int, expires_at: datetime) -> None:
    from accounts.notifications import notify_user

    workshop = Workshop.objects.select_related("lead").filter(pk=workshop_id).first()
    batch = Batch.objects.select_related("order").filter(pk=batch_id).first()
    if workshop is None or workshop.lead is None or batch is None:
        return
    notify_user(
        user=workshop.lead,
        kind="batch_claim_expiring",
        text=_(
            "您认领的批次「{product} 第{number}批」还未收到物料，将于 {when} 退回待认领。"
            "收到物料请及时扫码。"
        ).format(
            product=batch.order.product_name,
            number=batch.number,
            when=timezone.localtime(expires_at).strftime("%m-%d %H:%M"),
        ),
        data={"batch_id": batch_id, "expires_at": expires_at.isoformat()},
        link=reverse("orders:batch", args=[batch_id]),
    )


def _notify_claim_expired(batch_id: int, workshop_id: int) -> None:
    from accounts.notifications import notify_user

    workshop = Workshop.objects.select_related("lead").filter(pk=workshop_id).first()
    batch = Batch.objects.select_related("order").filter(pk=batch_id).first()
    if workshop is None or workshop.lead is None or batch is None:
        return
    notify_user(
        user=workshop.lead,
        kind="batch_claim_expired",
        text=_(
            "您认领的批次「{product} 第{number}批」{hours}小时内未收到物料，已退回待认领。"
        ).format(
            product=batch.order.product_name,
            number=batch.number,
            hours=settings.BATCH_CLAIM_TTL_HOURS,
        ),
        data={"batch_id": batch_id},
        link=reverse("orders:open_batches"),
    )


def order_published_notify_leads(*, order_id: int) -> int:
    """Tell the lead of every workshop that may claim a batch of this order. Returns how many."""
    from accounts.notifications import notify_user

    order = Order.objects.filter(pk=order_id, status=Order.Status.PUBLISHED).first()
    if order is None:
        return 0
    open_batches = list(
        Batch.objects.filter(order=order, status=Batch.Status.OPEN).select_related("order")
    )
    if not open_batches:
        return 0
    needs = batch_needs(open_batches)
    workshops = Workshop.objects.filter(
        status=Workshop.Status.ACTIVE, lead__isnull=False
    ).select_related("organisation", "lead")
    if order.service_center_id is not None:
        workshops = workshops.filter(organisation__service_center_id=order.service_center_id)
    today = timezone.localdate()
    told = 0
    for workshop_id, fit in workshop_fits(workshops).items():
        fitting = [n for n in needs.values() if may_claim(n, fit, today)]
        if not fitting:
            continue
        lead = next(w.lead for w in workshops if w.pk == workshop_id)
        sent = notify_user(
            user=lead,
            kind="batch_published",
            text=_(
                "新订单「{product}」有 {count} 个批次适合您的工坊：加工费 {fee} 元/件，"
                "{deadline} 前交货。打开手创认领。"
            ).format(
                product=order.product_name,
                count=len(fitting),
                fee=f"{order.fee_per_piece.normalize():f}",
                deadline=order.deadline.isoformat(),
            ),
            data={"order_id": order.pk, "batch_ids": [n.batch_id for n in fitting]},
            link=reverse("orders:open_batches"),
        )
        told += int(sent)
    return told
