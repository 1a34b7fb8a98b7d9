"""What the payout reads share: the status and role shorthands, the locked statuses (approved or
paid: money no longer moves), and the 404 for a period the viewer may not see.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import NotFound

from ..models import PayoutPeriod

Status = PayoutPeriod.Status
Role = User.Role


class PeriodNotFound(NotFound):
    code = "payout_period_not_found"
    message = _("结算期不存在，或不属于您。")


LOCKED_STATUSES = (PayoutPeriod.Status.APPROVED, PayoutPeriod.Status.PAID)
