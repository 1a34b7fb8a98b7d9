"""Writes for orders and batches. Every batch status change goes through ``batch_transition``.

Orders: ``order_create``, ``order_publish`` (splits into batches, fair-pay check),
``order_cancel``, ``order_photo_add``; the minimum wage table: ``minimum_wage_record``.
Batches: ``batch_claim``, ``batch_release``, ``batch_start_production``, ``batch_mark_returned``,
``batch_claims_expire``. Tickets: ``ticket_issue``, ``ticket_return_record``.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, NotFound
from workshops.models import Household, Workshop
from workshops.services import skills_by_code

from . import errors
from .eligibility import batch_needs, claim_refusal, may_claim, workshop_fits
from .fair_pay import fair_pay_hint, province_key
from .models import (
    BATCH_TRANSITIONS,
    Batch,
    BatchEvent,
    MinimumWage,
    Order,
    OrderPhoto,
    Ticket,
    TicketReturn,
)
from .photos import process_photo

log = logging.getLogger("shouchuang.orders")
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


# --- orders ----------------------------------------------------------------------------

# GB/T 2828.1 (ISO 2859-1) preferred AQL values: exactly the AQLs quality.sampling plans
# (PLANNED_AQLS). orders must not import quality; tests/quality/test_sampling.py keeps them equal.
STANDARD_AQLS = frozenset(
    Decimal(v)
    for v in (
        "0.010 0.015 0.025 0.040 0.065 0.10 0.15 0.25 0.40 0.65 1.0 1.5 2.5 4.0 6.5 "
        "10 15 25 40 65 100 150 250 400 650 1000"
    ).split()
)
MAX_QUANTITY = 10_000_000
MAX_BATCHES = 5_000
MAX_FEE = Decimal("999999.9999")
MAX_PHOTOS = 12


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _validate_order_terms(
    *,
    quantity: int,
    batch_size: int,
    fee_per_piece: Decimal,
    rework_fee_per_piece: Decimal | None,
    standard_minutes: Decimal,
    deadline: date,
    aql: Decimal,
) -> None:
    """Each impossible term is refused with its own code (400), before anything is written."""
    if quantity <= 0:
        raise errors.QuantityNotPositive(detail={"quantity": quantity})
    if quantity > MAX_QUANTITY:
        raise errors.QuantityTooLarge(detail={"quantity": quantity, "max": MAX_QUANTITY})
    if batch_size <= 0:
        raise errors.BatchSizeNotPositive(detail={"batch_size": batch_size})
    if batch_size > quantity:
        raise errors.BatchSizeAboveQuantity(detail={"batch_size": batch_size, "quantity": quantity})
    if -(-quantity // batch_size) > MAX_BATCHES:
        raise errors.TooManyBatches(detail={"max_batches": MAX_BATCHES})
    for name, fee in (
        ("fee_per_piece", fee_per_piece),
        ("rework_fee_per_piece", rework_fee_per_piece),
    ):
        if fee is None:
            continue
        if not fee.is_finite() or fee <= 0:
            raise errors.FeeNotPositive(detail={"field": name, "value": str(fee)})
        if _decimal_places(fee) > 4:
            raise errors.FeeTooPrecise(detail={"field": name, "value": str(fee)})
        if fee > MAX_FEE:
            raise errors.FeeTooLarge(detail={"field": name, "value": str(fee)})
    if (
        not standard_minutes.is_finite()
        or standard_minutes <= 0
        or _decimal_places(standard_minutes) > 2
        or standard_minutes >= Decimal("100000")
    ):
        raise errors.StandardMinutesInvalid(detail={"standard_minutes": str(standard_minutes)})
    if deadline <= timezone.localdate():
        raise errors.DeadlineInPast(detail={"deadline": deadline.isoformat()})
    if not aql.is_finite() or aql not in STANDARD_AQLS:
        raise errors.AqlNotStandard(detail={"aql": str(aql)})


@transaction.atomic
def order_create(
    *,
    actor: User,
    product_name: str,
    quantity: int,
    fee_per_piece: Decimal,
    standard_minutes: Decimal,
    deadline: date,
    batch_size: int,
    spec: str = "",
    required_skills: list[str] | None = None,
    rework_fee_per_piece: Decimal | None = None,
    aql: Decimal = Decimal("2.5"),
    inspection_level: str = "II",
    service_center_id: int | None = None,
) -> Order:
    """A merchant drafts an order for its own company."""
    ensure_role(actor, Role.MERCHANT)
    _validate_order_terms(
        quantity=quantity,
        batch_size=batch_size,
        fee_per_piece=fee_per_piece,
        rework_fee_per_piece=rework_fee_per_piece,
        standard_minutes=standard_minutes,
        deadline=deadline,
        aql=aql,
    )
    skills = skills_by_code(sorted(set(required_skills or [])))
    center = None
    if service_center_id is not None:
        center = Organisation.objects.filter(
            pk=service_center_id, kind=Organisation.Kind.SERVICE_CENTER
        ).first()
        if center is None:
            raise errors.ServiceCenterNotFound(detail={"service_center_id": service_center_id})
    order = Order.objects.create(
        merchant_id=actor.organisation_id,
        created_by=actor,
        product_name=product_name,
        spec=spec,
        quantity=quantity,
        fee_per_piece=fee_per_piece,
        rework_fee_per_piece=rework_fee_per_piece,
        standard_minutes=standard_minutes,
        deadline=deadline,
        batch_size=batch_size,
        aql=aql,
        inspection_level=inspection_level,
        service_center=center,
    )
    order.required_skills.set(skills.values())
    return order


def _own_order_for_update(*, actor: User, order_id: int) -> Order:
    """The order, row-locked, if ``actor`` is its merchant (or an operator); else 404."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("service_center")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not (is_operator(actor) or order.merchant_id == actor.organisation_id):
        raise errors.OrderNotFound(detail={"order_id": order_id})
    return order


EDITABLE_FIELDS = {
    "product_name",
    "spec",
    "required_skills",
    "quantity",
    "fee_per_piece",
    "rework_fee_per_piece",
    "standard_minutes",
    "deadline",
    "batch_size",
    "aql",
    "inspection_level",
    "service_center_id",
}


@transaction.atomic
def order_update(*, actor: User, order_id: int, **changes) -> Order:
    """Edit a draft (only drafts: published terms are what workshops claimed against).

    The merged terms are validated as a whole, so e.g. lowering the quantity below the batch
    size is refused with ``batch_size_above_quantity``.
    """
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise BadRequest(code="field_not_editable", detail={"fields": sorted(unknown)})
    order = _own_order_for_update(actor=actor, order_id=order_id)
    if order.status != Order.Status.DRAFT:
        raise errors.OrderNotDraft(detail={"status": order.status})
    terms = {
        name: changes.get(name, getattr(order, name))
        for name in (
            "quantity",
            "batch_size",
            "fee_per_piece",
            "rework_fee_per_piece",
            "standard_minutes",
            "deadline",
            "aql",
        )
    }
    _validate_order_terms(**terms)
    skills = changes.pop("required_skills", None)
    catalogue = skills_by_code(sorted(set(skills))) if skills is not None else None
    if "service_center_id" in changes and changes["service_center_id"] is not None:
        center_id = changes["service_center_id"]
        if not Organisation.objects.filter(
            pk=center_id, kind=Organisation.Kind.SERVICE_CENTER
        ).exists():
            raise errors.ServiceCenterNotFound(detail={"service_center_id": center_id})
    if changes:
        Order.objects.filter(pk=order.pk, status=Order.Status.DRAFT).update(**changes)
    if catalogue is not None:
        order.required_skills.set(catalogue.values())
    order.refresh_from_db()
    return order


def split_quantity(quantity: int, batch_size: int) -> list[int]:
    """Full batches of ``batch_size``; the last one takes the remainder. Sums to ``quantity``."""
    full, remainder = divmod(quantity, batch_size)
    return [batch_size] * full + ([remainder] if remainder else [])


@transaction.atomic
def order_publish(
    *, actor: User, order_id: int, acknowledge_below_minimum_wage: bool = False
) -> Order:
    """Split a draft order into batches and publish it.

    When the fee implies less per hour than the region's minimum wage, publishing is refused
    (409 ``fair_pay_below_minimum``) unless the merchant acknowledges it; the acknowledgement
    (who, when, against which minimum) is recorded on the order.
    """
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    order = _own_order_for_update(actor=actor, order_id=order_id)
    if order.status != Order.Status.DRAFT:
        raise errors.OrderNotDraft(detail={"status": order.status})
    if order.deadline <= timezone.localdate():
        raise errors.DeadlineInPast(detail={"deadline": order.deadline.isoformat()})
    hint = fair_pay_hint(order)
    now = timezone.now()
    changes = {
        "status": Order.Status.PUBLISHED,
        "published_at": now,
        "fair_pay_hourly": hint.implied_hourly,
        "fair_pay_minimum": hint.minimum,
    }
    if hint.below_minimum:
        if not acknowledge_below_minimum_wage:
            raise errors.FairPayBelowMinimum(detail=hint.as_detail())
        changes.update(fair_pay_acknowledged_by=actor, fair_pay_acknowledged_at=now)
    won = Order.objects.filter(pk=order.pk, status=Order.Status.DRAFT).update(**changes)
    if not won:  # pragma: no cover - the row lock makes this unreachable on PostgreSQL
        raise errors.OrderNotDraft()
    batches = Batch.objects.bulk_create(
        Batch(order=order, number=number, quantity=size, updated_at=now)
        for number, size in enumerate(split_quantity(order.quantity, order.batch_size), start=1)
    )
    if any(b.pk is None for b in batches):  # backends without RETURNING
        batches = list(Batch.objects.filter(order=order).order_by("number"))
    BatchEvent.objects.bulk_create(
        BatchEvent(
            batch=b,
            from_status="",
            to_status=Batch.Status.OPEN,
            actor=actor,
            reason="published",
            at=now,
        )
        for b in batches
    )
    order_id = order.pk
    transaction.on_commit(lambda: _send_published_notices(order_id))
    order.refresh_from_db()
    return order


def _send_published_notices(order_id: int) -> None:
    from .tasks import order_published_notify_task

    order_published_notify_task.delay(order_id)


@dataclass
class OrderCancellation:
    order: Order
    cancelled: list[Batch] = field(default_factory=list)
    not_cancelled: list[Batch] = field(default_factory=list)


@transaction.atomic
def order_cancel(*, actor: User, order_id: int, reason: str = "") -> OrderCancellation:
    """Cancel an order: every batch not yet started is cancelled; started ones carry on.

    A batch in production (or further) is never pulled back from the households that hold its
    pieces: it is listed in ``not_cancelled`` and finishes normally.
    """
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    order = _own_order_for_update(actor=actor, order_id=order_id)
    if order.status not in (Order.Status.DRAFT, Order.Status.PUBLISHED):
        raise errors.OrderNotCancellable(detail={"status": order.status})
    result = OrderCancellation(order=order)
    reason = reason or "order_cancelled"
    held_leads: list[tuple[int, int]] = []
    for batch in Batch.objects.filter(order=order).order_by("number"):
        # A claim may land between our read and our UPDATE (open → claimed): read again and
        # cancel from the new status. Anything that reached production carries on.
        for _attempt in range(3):
            if batch.status not in (Batch.Status.OPEN, Batch.Status.CLAIMED):
                break
            try:
                with transaction.atomic():
                    cancelled = batch_transition(
                        batch_id=batch.pk,
                        from_status=batch.status,
                        to_status=Batch.Status.CANCELLED,
                        actor=actor,
                        reason=reason[:200],
                    )
            except BatchTransitionRefused:
                batch.refresh_from_db()
                continue
            if batch.status == Batch.Status.CLAIMED and batch.workshop_id:
                held_leads.append((batch.workshop_id, batch.pk))
            result.cancelled.append(cancelled)
            break
        else:
            result.not_cancelled.append(batch)
            continue
        if batch.status not in (Batch.Status.OPEN, Batch.Status.CLAIMED, Batch.Status.CANCELLED):
            result.not_cancelled.append(batch)
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.CANCELLED, cancelled_at=timezone.now()
    )
    order.refresh_from_db()
    if held_leads:
        transaction.on_commit(lambda: _notify_claim_cancelled(held_leads))
    return result


def _notify_claim_cancelled(held: list[tuple[int, int]]) -> None:
    from accounts.notifications import notify_user

    leads = {
        w.pk: w.lead
        for w in Workshop.objects.filter(pk__in=[w for w, _ in held]).select_related("lead")
    }
    for workshop_id, batch_id in held:
        lead = leads.get(workshop_id)
        if lead is not None:
            notify_user(
                user=lead,
                kind="batch_cancelled",
                text=_("您认领的批次 {batch} 已因订单取消而取消，无需再备料。").format(
                    batch=batch_id
                ),
                data={"batch_id": batch_id},
            )


@transaction.atomic
def order_photo_add(
    *, actor: User, order_id: int, upload: UploadedFile, caption: str = ""
) -> OrderPhoto:
    """Attach a sample photo: decoded and re-encoded (no EXIF), resized, with a thumbnail."""
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    order = _own_order_for_update(actor=actor, order_id=order_id)
    if order.photos.count() >= MAX_PHOTOS:
        raise errors.TooManyPhotos(detail={"max": MAX_PHOTOS})
    max_bytes = settings.ORDER_PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise errors.PhotoTooLarge.over_bytes(max_bytes, upload.size)
    processed = process_photo(upload.read(max_bytes + 1), max_bytes=max_bytes)
    photo = OrderPhoto(
        order=order,
        width=processed.width,
        height=processed.height,
        caption=caption[:120],
        uploaded_by=actor,
    )
    photo.image.save(processed.image.name, processed.image, save=False)
    photo.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
    # If the transaction rolls back, the files stay as orphans: harmless, never referenced.
    photo.save()
    return photo


@transaction.atomic
def minimum_wage_record(
    *,
    actor: User,
    province: str,
    hourly: Decimal,
    effective_from: date,
    source: str,
    tier: str = "",
    source_url: str = "",
) -> MinimumWage:
    """An operator records a province's (new) minimum hourly wage and where it comes from."""
    ensure_role(actor, Role.OPERATOR)
    province = province_key(province)
    if not province:
        raise errors.ProvinceUnknown()
    if not hourly.is_finite() or hourly <= 0 or _decimal_places(hourly) > 2:
        raise errors.FeeNotPositive(
            _("最低小时工资须大于零，最多 2 位小数。"),
            code="minimum_wage_invalid",
            detail={"hourly": str(hourly)},
        )
    if MinimumWage.objects.filter(province=province, effective_from=effective_from).exists():
        raise Conflict(
            _("该省这一执行日期的标准已记录。"),
            code="minimum_wage_exists",
            detail={"province": province, "effective_from": effective_from.isoformat()},
        )
    return MinimumWage.objects.create(
        province=province,
        hourly=hourly,
        effective_from=effective_from,
        source=source,
        tier=tier,
        source_url=source_url,
        recorded_by=actor,
    )


# --- claims ----------------------------------------------------------------------------


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
                    reason="claim_expired",
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
        )
        told += int(sent)
    return told


# --- tickets ---------------------------------------------------------------------------


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


__all__ = [
    "BatchNotFound",
    "BatchTransitionRefused",
    "batch_claim",
    "batch_claims_expire",
    "batch_mark_returned",
    "batch_release",
    "batch_start_production",
    "batch_transition",
    "minimum_wage_record",
    "order_cancel",
    "order_create",
    "order_photo_add",
    "order_publish",
    "order_published_notify_leads",
    "order_update",
    "split_quantity",
    "ticket_issue",
    "ticket_return_record",
]
