"""Writes for advances (预支) and premium rules.

An advance is recorded by the household's lead (its own workshop's households only) or an
operator, with the amount, when it was paid and why; a key sent with it (the form makes one when
it is rendered; an API client sends its own) makes a repeat return the first advance. It is
recovered by the computes of later periods (``payouts/compute_extras.py``), never here.

Premium rules are set per order by its merchant or an operator and apply to the periods computed
from then on (a computed period keeps the rates it was computed with).
"""

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, NotFound
from orders.models import Order
from workshops.models import Household

from ..models import Advance, OrderPremiumRule
from ..money import fee_to_units, yuan_to_fen

Role = User.Role

# One advance is a hand-out's worth of cash, not a loan: anything above this is a typo.
ADVANCE_MAX_FEN = 10_000_00


class AdvanceAmountInvalid(BadRequest):
    code = "advance_amount_invalid"
    message = _("预支金额必须大于零、最多两位小数，且不超过一万元。")


class AdvanceReasonRequired(BadRequest):
    code = "advance_reason_required"
    message = _("预支必须填写事由。")


class AdvancePaidAtInvalid(BadRequest):
    code = "advance_paid_at_invalid"
    message = _("预支的支付时间不能晚于现在。")


class AdvanceKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = _("同一个幂等键已用于不同的请求。")


class PremiumRuleInvalid(BadRequest):
    code = "premium_rule_invalid"
    message = _("奖励金额不能为负，最多四位小数。")


def _amount_fen(amount: Decimal | str) -> int:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise AdvanceAmountInvalid(detail={"amount": str(amount)}) from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise AdvanceAmountInvalid(detail={"amount": str(amount)})
    fen = yuan_to_fen(value)
    if fen > ADVANCE_MAX_FEN:
        raise AdvanceAmountInvalid(detail={"amount": str(amount)})
    return fen


def _household_for(actor: User, household_id: int) -> Household:
    """The household, if the actor may record its advance (operator: any; lead: its own)."""
    households = Household.objects.select_related("workshop")
    if not is_operator(actor):
        households = households.filter(workshop__organisation_id=actor.organisation_id)
    household = households.filter(pk=household_id).first()
    if household is None:
        raise NotFound(code="household_not_found", detail={"household_id": household_id})
    return household


@transaction.atomic
def advance_create(
    *,
    actor: User,
    household_id: int,
    amount: Decimal | str,
    reason: str,
    paid_at: datetime | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Advance:
    """Record an advance paid to a household. The same key again returns the first advance
    (nothing written); the same key with other content is 409 ``idempotency_key_reused``."""
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    reason = (reason or "").strip()
    amount_fen = _amount_fen(amount)
    if not reason:
        raise AdvanceReasonRequired()
    now = timezone.now()
    paid_at = paid_at or now
    if paid_at > now + timezone.timedelta(minutes=5):
        raise AdvancePaidAtInvalid(detail={"paid_at": paid_at.isoformat()})
    household = _household_for(actor, household_id)
    if idempotency_key is not None:
        first = Advance.objects.filter(idempotency_key=idempotency_key).first()
        if first is not None:
            if (first.household_id, first.amount_fen) != (household.pk, amount_fen):
                raise AdvanceKeyReused(detail={"idempotency_key": str(idempotency_key)})
            return first
    try:
        with transaction.atomic():
            return Advance.objects.create(
                household=household,
                workshop_id=household.workshop_id,
                amount_fen=amount_fen,
                paid_at=paid_at,
                reason=reason[:200],
                recorded_by=actor,
                recorded_at=now,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # the same key committed by a concurrent request a moment ago
        first = Advance.objects.filter(idempotency_key=idempotency_key).first()
        if first is None or (first.household_id, first.amount_fen) != (household.pk, amount_fen):
            raise AdvanceKeyReused(detail={"idempotency_key": str(idempotency_key)}) from None
        return first


def _rate(value: Decimal | str | None) -> Decimal:
    try:
        rate = Decimal(str(value if value not in (None, "") else "0"))
        fee_to_units(rate)  # refuses a fifth decimal place
    except (InvalidOperation, ValueError):
        raise PremiumRuleInvalid(detail={"value": str(value)}) from None
    if not rate.is_finite() or rate < 0 or rate >= Decimal("1000000"):
        raise PremiumRuleInvalid(detail={"value": str(value)})
    return rate


@transaction.atomic
def premium_rule_set(
    *,
    actor: User,
    order_id: int,
    first_pass_per_piece: Decimal | str | None,
    on_time_per_piece: Decimal | str | None,
) -> OrderPremiumRule:
    """Set an order's premiums per piece (zero for none): its merchant or an operator."""
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    orders = Order.objects.all()
    if not is_operator(actor):
        orders = orders.filter(merchant_id=actor.organisation_id)
    order = orders.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound(code="order_not_found", detail={"order_id": order_id})
    first_pass = _rate(first_pass_per_piece)
    on_time = _rate(on_time_per_piece)
    rule, _created = OrderPremiumRule.objects.update_or_create(
        order=order,
        defaults={
            "first_pass_per_piece": first_pass,
            "on_time_per_piece": on_time,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    rule.refresh_from_db()
    return rule
