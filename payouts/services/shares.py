"""Writes for shares: a workshop's lead and service-center cuts of each pool."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, NotFound
from workshops.models import Workshop

from ..models import PayoutShareConfig, ShareKind

Role = User.Role


class ShareInvalid(BadRequest):
    code = "payout_share_invalid"
    message = _("分成设置无效：百分比合计不能超过 100，金额不能为负。")


@transaction.atomic
def share_config_set(
    *,
    actor: User,
    workshop_id: int,
    lead_kind: str,
    lead_value: Decimal,
    center_kind: str,
    center_value: Decimal,
) -> PayoutShareConfig:
    """Set a workshop's lead and service-center shares (used by periods computed from now on)."""
    ensure_role(actor, Role.OPERATOR)
    if not Workshop.objects.filter(pk=workshop_id).exists():
        raise NotFound(code="workshop_not_found", detail={"workshop_id": workshop_id})
    valid_kinds = set(ShareKind.values)
    percent_total = sum(
        value
        for kind, value in ((lead_kind, lead_value), (center_kind, center_value))
        if kind == ShareKind.PERCENT
    )
    if (
        lead_kind not in valid_kinds
        or center_kind not in valid_kinds
        or lead_value < 0
        or center_value < 0
        or percent_total > 100
        or lead_value != lead_value.quantize(Decimal("0.0001"))
        or center_value != center_value.quantize(Decimal("0.0001"))
    ):
        raise ShareInvalid(
            detail={
                "lead": [lead_kind, str(lead_value)],
                "center": [center_kind, str(center_value)],
            }
        )
    config, _ = PayoutShareConfig.objects.update_or_create(
        workshop_id=workshop_id,
        defaults={
            "lead_kind": lead_kind,
            "lead_value": lead_value,
            "center_kind": center_kind,
            "center_value": center_value,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    config.refresh_from_db()
    return config
