"""Writes for what each household was paid and what it says about it.

- ``payments_record``: inside ``period_mark_paid``, one ``HouseholdPayment`` per statement with
  money, with how it was paid (a method for the period, or one per household) and a reference.
- ``payment_answer_record``: a household's "收到了" or "没收到", from its passbook, on the lead's
  phone (tapped, or a photographed slip it signed or thumb-printed). The answer's ``key`` is
  made where it was given, so a replay (a double tap, the offline queue sending again) returns
  the first answer and changes nothing. An answer covers the household's payments still
  unanswered that were made before it was given (a phone offline for a day answers for what
  was paid before it lost its signal, not after), or only those named.
- ``payment_dispute_resolve``: the operator closes a "没收到" with a note.

Every change of a payment's status is a conditional UPDATE on its current status: two answers
racing for one payment, one of them wins it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound
from core.photos import photo_clean
from workshops.models import Household

from ..models import HouseholdPayment, PaymentAnswer, PaymentMethod, PayoutPeriod, Statement

Status = HouseholdPayment.Status
Role = User.Role

SLIP_MAX_BYTES = 10 * 1024 * 1024
SLIP_MAX_SIDE = 1600


class PaymentMethodInvalid(BadRequest):
    code = "payment_method_invalid"
    message = _("付款方式只能是银行转账、手机支付或带头人转交现金。")


class PaymentNothingToAnswer(Conflict):
    code = "payment_nothing_to_answer"
    message = _("没有等待确认的付款：可能已经确认过了。")


class PaymentAnswerKeyReused(Conflict):
    code = "payment_answer_key_reused"
    message = _("这个确认编号已用于另一户，请重新操作。")


class PaymentSlipRequired(BadRequest):
    code = "payment_slip_required"
    message = _("请拍下农户签字或按手印的回执。")


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    message = _("付款记录不存在，或不属于您。")


class PaymentNotDisputed(Conflict):
    code = "payment_not_disputed"
    message = _("这笔付款没有未处理的争议。")


class PaymentResolutionRequired(BadRequest):
    code = "payment_resolution_required"
    message = _("请写明如何处理（例如：已补发，凭证号……）。")


def payments_record(
    *,
    period: PayoutPeriod,
    method: str,
    reference: str,
    at: datetime,
    household_methods: dict[int, tuple[str, str]] | None = None,
) -> int:
    """One payment per statement with money in ``period`` (called inside the mark-paid
    transaction). ``household_methods`` overrides, per household id, (method, reference)."""
    household_methods = household_methods or {}
    methods = {method} | {m for m, _ref in household_methods.values()}
    if not methods <= set(PaymentMethod.values):
        raise PaymentMethodInvalid(detail={"methods": sorted(methods - set(PaymentMethod.values))})
    payments = []
    for statement in (
        Statement.objects.filter(period=period, total_fen__gt=0)
        .select_related("household")
        .order_by("household_id")
    ):
        how, ref = household_methods.get(statement.household_id, (method, reference))
        payments.append(
            HouseholdPayment(
                period=period,
                household_id=statement.household_id,
                workshop_id=statement.household.workshop_id,
                statement=statement,
                amount_fen=statement.total_fen,
                method=how,
                reference=(ref or reference).strip()[:80],
                paid_at=at,
            )
        )
    HouseholdPayment.objects.bulk_create(payments, batch_size=5000)
    return len(payments)


@dataclass(frozen=True)
class AnswerResult:
    answer: PaymentAnswer
    created: bool  # False: the same key again, the first answer stands
    payments: list[HouseholdPayment]


def _replay(existing: PaymentAnswer, household_id: int) -> AnswerResult:
    if existing.household_id != household_id:
        raise PaymentAnswerKeyReused(detail={"key": str(existing.key)})
    return AnswerResult(
        answer=existing,
        created=False,
        payments=list(HouseholdPayment.objects.filter(answer=existing).order_by("pk")),
    )


@transaction.atomic
def payment_answer_record(
    *,
    household_id: int,
    answer: str,
    via: str,
    key: uuid.UUID,
    actor: User | None = None,
    answered_at: datetime | None = None,
    payment_ids: list[int] | None = None,
    slip: bytes | None = None,
    note: str = "",
) -> AnswerResult:
    """Record a household's answer about its unanswered payments (see the module docstring).

    ``actor`` is the lead (or operator) whose phone it was given on; None for the passbook,
    whose signed session is the household's own proof. A lead may only answer for a household
    of its own workshop (the caller finds the household through ``household_by_card`` with
    the lead as viewer).
    """
    if actor is not None:
        ensure_role(actor, Role.LEAD, Role.OPERATOR)
    if answer not in PaymentAnswer.Answer.values or via not in PaymentAnswer.Via.values:
        raise BadRequest(detail={"answer": answer, "via": via})
    existing = PaymentAnswer.objects.filter(key=key).first()
    if existing is not None:
        return _replay(existing, household_id)
    if via == PaymentAnswer.Via.SLIP and not slip:
        raise PaymentSlipRequired()
    now = timezone.now()
    answered_at = min(answered_at or now, now)  # a phone's clock ahead of ours counts as now
    # Lock the household's row: its answers take turns, so two answers never split a payment.
    Household.objects.select_for_update().filter(pk=household_id).first()
    # The same key may have been committed while we waited for the lock (a phone sending twice)
    existing = PaymentAnswer.objects.filter(key=key).first()
    if existing is not None:
        return _replay(existing, household_id)
    open_payments = HouseholdPayment.objects.filter(
        household_id=household_id, status=Status.UNCONFIRMED, paid_at__lte=answered_at
    )
    if payment_ids is not None:
        open_payments = open_payments.filter(pk__in=payment_ids)
    payment_pks = list(open_payments.order_by("pk").values_list("pk", flat=True))
    if not payment_pks:
        raise PaymentNothingToAnswer(detail={"household_id": household_id})
    cleaned = None
    if slip:
        cleaned = photo_clean(
            slip, max_bytes=SLIP_MAX_BYTES, max_side=SLIP_MAX_SIDE, thumb_side=None
        )
    try:
        with transaction.atomic():
            record = PaymentAnswer(
                key=key,
                household_id=household_id,
                answer=answer,
                via=via,
                recorded_by=actor,
                answered_at=answered_at,
                note=note.strip()[:200],
            )
            if cleaned is not None:
                record.slip.save(cleaned.image.name, cleaned.image, save=False)
            record.save()
    except IntegrityError:
        # the same key committed by a concurrent request between our look and our insert
        existing = PaymentAnswer.objects.filter(key=key).first()
        if existing is None:
            raise
        return _replay(existing, household_id)
    to_status = Status.CONFIRMED if answer == PaymentAnswer.Answer.RECEIVED else Status.DISPUTED
    HouseholdPayment.objects.filter(pk__in=payment_pks, status=Status.UNCONFIRMED).update(
        status=to_status, answer=record
    )
    payments = list(HouseholdPayment.objects.filter(answer=record).order_by("pk"))
    return AnswerResult(answer=record, created=True, payments=payments)


@transaction.atomic
def payment_dispute_resolve(*, payment_id: int, actor: User, resolution: str) -> HouseholdPayment:
    """The operator closes a household's "没收到" with what was done about it."""
    ensure_role(actor, Role.OPERATOR)
    resolution = (resolution or "").strip()
    if not resolution:
        raise PaymentResolutionRequired(detail={"payment_id": payment_id})
    if not HouseholdPayment.objects.filter(pk=payment_id).exists():
        raise PaymentNotFound(detail={"payment_id": payment_id})
    won = HouseholdPayment.objects.filter(pk=payment_id, status=Status.DISPUTED).update(
        status=Status.RESOLVED,
        resolved_at=timezone.now(),
        resolved_by=actor,
        resolution=resolution[:300],
    )
    if not won:
        raise PaymentNotDisputed(detail={"payment_id": payment_id})
    return HouseholdPayment.objects.get(pk=payment_id)
