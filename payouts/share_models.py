"""Per workshop: the lead's and the service center's shares of each fee pool (the workshop's
share settings). Imported into ``payouts.models``."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShareKind(models.TextChoices):
    PERCENT = "percent", _("按费用池百分比")
    PER_PIECE = "per_piece", _("按件固定金额")


class PayoutShareConfig(models.Model):
    """Per workshop: what the lead and the service center take from each fee pool.

    A workshop without a row pays its households the whole pool (both shares zero).
    """

    workshop = models.OneToOneField(
        "workshops.Workshop",
        verbose_name=_("工坊"),
        on_delete=models.CASCADE,
        related_name="payout_shares",
    )
    lead_kind = models.CharField(
        _("带头人分成方式"), max_length=20, choices=ShareKind.choices, default=ShareKind.PERCENT
    )
    lead_value = models.DecimalField(
        _("带头人分成（% 或 元/件）"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    center_kind = models.CharField(
        _("服务中心分成方式"), max_length=20, choices=ShareKind.choices, default=ShareKind.PERCENT
    )
    center_value = models.DecimalField(
        _("服务中心分成（% 或 元/件）"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("分成设置")
        verbose_name_plural = _("分成设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(lead_value__gte=0) & Q(center_value__gte=0),
                name="payout_share_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(lead_kind="percent") | Q(lead_value__lte=100),
                name="payout_share_lead_percent_le_100",
            ),
            models.CheckConstraint(
                condition=~Q(center_kind="percent") | Q(center_value__lte=100),
                name="payout_share_center_percent_le_100",
            ),
            models.CheckConstraint(
                condition=~Q(lead_kind="percent", center_kind="percent")
                | Q(lead_value__lte=100 - F("center_value")),
                name="payout_share_percents_le_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop}: {self.lead_value} {self.lead_kind} / {self.center_value}"
