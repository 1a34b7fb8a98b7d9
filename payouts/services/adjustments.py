"""Writes for adjustments: a bonus or deduction for one household in an open period."""

import uuid
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound
from workshops.models import Household, Workshop

from ..compute_extras import recoveries_refresh
from ..models import AdvanceRecovery, PayoutAdjustment, PayoutPeriod
from ..money import yuan_to_fen
from .periods import PeriodLocked, PeriodNotComputable, _period_for_update
from .totals import household_period_total, period_totals

Status = PayoutPeriod.Status
Role = User.Role


class AdjustmentReasonRequired(BadRequest):
    code = "adjustment_reason_required"
    message = _("调整必须填写原因。")


class AdjustmentAmountInvalid(BadRequest):
    code = "adjustment_amount_invalid"
    message = _("调整金额必须大于零，且最多两位小数。")


class AdjustmentHouseholdOutOfScope(BadRequest):
    code = "adjustment_household_out_of_scope"
    message = _("该农户不在此结算期的范围内。")


class AdjustmentCorrectsInvalid(BadRequest):
    code = "adjustment_corrects_invalid"
    message = _("更正的只能是另一个已审核的结算期。")


class AdjustmentKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = _("同一个幂等键已用于不同的请求。")


class AdjustmentMakesTotalNegative(Conflict):
    code = "adjustment_makes_total_negative"
    message = _("扣款后该农户本期合计将为负数。")


def household_in_period_scope(*, period: PayoutPeriod, household: Household) -> bool:
    if period.scope == PayoutPeriod.Scope.WORKSHOP:
        return household.workshop_id == period.workshop_id
    if period.scope == PayoutPeriod.Scope.REGION:
        return Workshop.objects.filter(
            pk=household.workshop_id, organisation__service_center_id=period.region_id
        ).exists()
    return True


@transaction.atomic
def adjustment_create(
    *,
    actor: User,
    period_id: int,
    household_id: int,
    kind: str,
    amount: Decimal | str,
    reason: str,
    corrects_period_id: int | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> PayoutAdjustment:
    """A bonus or deduction for one household in an open period, with its reason.

    A correction to an approved period names it in ``corrects_period_id`` and goes into this
    (later, unlocked) period. A deduction may not take the household's period total below zero
    (advance recoveries aside: they are taken again, from what is left, in a computed period).
    Sent again with the same ``idempotency_key`` (a form posted twice), the first adjustment is
    returned and nothing is written; the same key with other content is 409.
    """
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise AdjustmentReasonRequired()
    try:
        amount_decimal = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise AdjustmentAmountInvalid(detail={"amount": str(amount)}) from None
    if (
        not amount_decimal.is_finite()
        or amount_decimal <= 0
        or amount_decimal != amount_decimal.quantize(Decimal("0.01"))
    ):
        raise AdjustmentAmountInvalid(detail={"amount": str(amount)})
    amount_fen = yuan_to_fen(amount_decimal)
    if kind not in PayoutAdjustment.Kind.values:
        raise BadRequest(code="adjustment_kind_invalid", detail={"kind": kind})
    period = _period_for_update(period_id)
    if idempotency_key is not None:
        first = PayoutAdjustment.objects.filter(idempotency_key=idempotency_key).first()
        if first is not None:
            if (first.period_id, first.household_id, first.kind, first.amount_fen) != (
                period.pk,
                household_id,
                kind,
                amount_fen,
            ):
                raise AdjustmentKeyReused(detail={"idempotency_key": str(idempotency_key)})
            return first
    if period.is_locked or period.status == Status.APPROVING:
        raise PeriodLocked(detail={"period_id": period_id, "status": period.status})
    if period.status == Status.COMPUTING:
        raise PeriodNotComputable(detail={"period_id": period_id, "status": period.status})
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise NotFound(code="household_not_found", detail={"household_id": household_id})
    if not household_in_period_scope(period=period, household=household):
        raise AdjustmentHouseholdOutOfScope(detail={"household_id": household_id})
    if corrects_period_id is not None:
        corrected = PayoutPeriod.objects.filter(pk=corrects_period_id).first()
        if (
            corrected is None
            or corrected.pk == period.pk
            or corrected.status not in {Status.APPROVED, Status.PAID}
        ):
            raise AdjustmentCorrectsInvalid(detail={"corrects_period_id": corrects_period_id})
    if kind == PayoutAdjustment.Kind.DEDUCTION:
        # before advance recoveries: they are taken again below, from what the deduction leaves
        current = household_period_total(period_id=period.pk, household_id=household_id) + sum(
            AdvanceRecovery.objects.filter(
                period_id=period.pk, household_id=household_id
            ).values_list("amount_fen", flat=True)
        )
        if current - amount_fen < 0:
            raise AdjustmentMakesTotalNegative(
                detail={
                    "household_id": household_id,
                    "total_fen": current,
                    "amount_fen": amount_fen,
                }
            )
    adjustment = PayoutAdjustment.objects.create(
        period=period,
        household=household,
        kind=kind,
        amount_fen=amount_fen,
        reason=reason[:200],
        corrects_id=corrects_period_id,
        created_by=actor,
        idempotency_key=idempotency_key,
    )
    if period.status == Status.COMPUTED:
        recoveries_refresh(period=period, household_ids=[household_id])
    PayoutPeriod.objects.filter(pk=period.pk).update(
        **{
            key: value
            for key, value in period_totals(period.pk).items()
            if key in {"bonus_fen", "deduction_fen"}
        }
    )
    return adjustment
