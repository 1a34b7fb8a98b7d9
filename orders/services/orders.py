"""Writes for orders: draft, edit, publish, cancel, sample photos; the minimum wage table.

Rules:
- Impossible terms are refused before anything is written, each with its own 400 code
  (``_validate_order_terms``); the AQL must be a GB/T 2828.1 preferred value.
- A merchant writes only its own company's orders (others' are 404); an operator any.
- Only drafts are edited or published: published terms are what workshops claimed against.
- Publishing splits the quantity into batches that sum to it exactly (``split_quantity``) and
  checks fair pay: below the region's minimum wage it is refused (409) unless the merchant
  acknowledges it, and the acknowledgement is recorded. Fitting leads are told after commit.
- Cancelling cancels every batch not yet started; a batch in production is never pulled back
  from the households that hold its pieces.
- A published order's unclaimed batches can be cancelled on their own (``order_batches_cancel``):
  only open ones, all or nothing; when no batch is left but cancelled ones, the order is too.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict
from workshops.models import Workshop
from workshops.services import skills_by_code

from .. import errors
from ..fair_pay import fair_pay_hint, province_key
from ..models import Batch, BatchEvent, MinimumWage, Order, OrderPhoto
from ..photos import process_photo
from ..webhooks import emit_order_published
from .batches import BatchNotFound, BatchTransitionRefused, batch_transition

Role = User.Role


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
    emit_order_published(order=order, batches=len(batches))
    return order


def _send_published_notices(order_id: int) -> None:
    from ..tasks import order_published_notify_task

    order_published_notify_task.delay(order_id)


@dataclass
class OrderCancellation:
    order: Order
    cancelled: list[Batch] = field(default_factory=list)
    not_cancelled: list[Batch] = field(default_factory=list)


@transaction.atomic
def order_cancel(
    *, actor: User, order_id: int, reason: str = "", drafts_only: bool = False
) -> OrderCancellation:
    """Cancel an order: every batch not yet started is cancelled; started ones carry on.

    A batch in production (or further) is never pulled back from the households that hold its
    pieces: it is listed in ``not_cancelled`` and finishes normally. ``drafts_only`` (the draft
    page's button) refuses an order published meanwhile with 409 ``order_not_draft``.
    """
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    order = _own_order_for_update(actor=actor, order_id=order_id)
    if drafts_only and order.status != Order.Status.DRAFT:
        raise errors.OrderNotDraft(detail={"status": order.status})
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


@dataclass
class BatchesCancellation:
    order: Order
    cancelled: list[Batch] = field(default_factory=list)


@transaction.atomic
def order_batches_cancel(
    *, actor: User, order_id: int, batch_ids: list[int] | None = None, reason: str = ""
) -> BatchesCancellation:
    """Cancel unclaimed (open) batches of a published order: those named, or every open one.

    A claimed batch is not cancelled here (its workshop may be preparing materials already):
    naming one refuses the whole request (409 ``batch_not_cancellable``) and changes nothing;
    so does a named batch that a lead claims while this runs. ``batch_ids=None`` means every
    batch open at the moment of the update; none left is 409 ``no_open_batches``. Each batch
    moves by the guarded ``batch_transition`` (open → cancelled) with its event row; when every
    batch of the order is then cancelled, the order is cancelled as well.
    """
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    order = _own_order_for_update(actor=actor, order_id=order_id)
    if order.status != Order.Status.PUBLISHED:
        raise errors.OrderNotPublished(detail={"status": order.status})
    batches = Batch.objects.filter(order=order).order_by("number")
    reason = (reason or "batches_cancelled")[:200]
    result = BatchesCancellation(order=order)
    if batch_ids is not None:
        wanted = sorted(set(batch_ids))
        if not wanted:
            raise errors.BatchesNotChosen()
        chosen = list(batches.filter(pk__in=wanted))
        if len(chosen) != len(wanted):
            missing = sorted(set(wanted) - {b.pk for b in chosen})
            raise BatchNotFound(detail={"batch_ids": missing})
        held = [b for b in chosen if b.status != Batch.Status.OPEN]
        if held:
            raise errors.BatchNotCancellable(detail=_refused(held))
        for batch in chosen:
            try:
                result.cancelled.append(_cancel_open(batch, actor=actor, reason=reason))
            except BatchTransitionRefused:  # claimed meanwhile: the whole request changes nothing
                batch.refresh_from_db()
                raise errors.BatchNotCancellable(detail=_refused([batch])) from None
    else:
        for batch in batches.filter(status=Batch.Status.OPEN):
            try:
                with transaction.atomic():
                    result.cancelled.append(_cancel_open(batch, actor=actor, reason=reason))
            except BatchTransitionRefused:
                continue  # claimed meanwhile: no longer open, so not "every open one"
        if not result.cancelled:
            raise errors.NoOpenBatches()
    if not batches.exclude(status=Batch.Status.CANCELLED).exists():
        Order.objects.filter(pk=order.pk, status=Order.Status.PUBLISHED).update(
            status=Order.Status.CANCELLED, cancelled_at=timezone.now()
        )
    order.refresh_from_db()
    return result


def _cancel_open(batch: Batch, *, actor: User, reason: str) -> Batch:
    return batch_transition(
        batch_id=batch.pk,
        from_status=Batch.Status.OPEN,
        to_status=Batch.Status.CANCELLED,
        actor=actor,
        reason=reason,
    )


def _refused(batches: list[Batch]) -> dict:
    return {"batches": [{"id": b.pk, "number": b.number, "status": b.status} for b in batches]}


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
