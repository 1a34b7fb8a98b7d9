"""Payouts abroad: the exchange rate locked on a period per currency, and each household's
net converted once at approval (``payouts.services.currency``). Written by services only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodRate(models.Model):
    """How many units of ``currency`` one yuan (CNY) buys, for one period: entered by an
    operator with its source and date (or loaded from a rates file) before approval, and
    locked with the period once approval starts."""

    period = models.ForeignKey(
        "payouts.PayoutPeriod",
        verbose_name=_("结算期"),
        on_delete=models.PROTECT,
        related_name="rates",
    )
    currency = models.CharField(_("币种"), max_length=3)
    rate = models.DecimalField(_("汇率（每 1 元人民币）"), max_digits=20, decimal_places=8)
    source = models.CharField(_("汇率来源"), max_length=200)
    rate_date = models.DateField(_("汇率日期"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("结算汇率")
        verbose_name_plural = _("结算汇率")
        ordering = ["period_id", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["period", "currency"], name="period_rate_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="period_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} · 1 CNY = {self.rate} {self.currency}"


class PayoutConversion(models.Model):
    """One household's net for a period (CNY fen) in its payout currency's minor unit."""

    period = models.ForeignKey(
        "payouts.PayoutPeriod",
        verbose_name=_("结算期"),
        on_delete=models.PROTECT,
        related_name="conversions",
    )
    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    rate = models.ForeignKey(
        PeriodRate, verbose_name=_("汇率"), on_delete=models.PROTECT, related_name="conversions"
    )
    currency = models.CharField(_("币种"), max_length=3)
    net_fen = models.BigIntegerField(_("应发（分）"))
    amount_minor = models.BigIntegerField(_("应发（发放币种最小单位）"))

    class Meta:
        verbose_name = _("币种换算")
        verbose_name_plural = _("币种换算")
        ordering = ["period_id", "household_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "household"], name="payout_conversion_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gte=0, net_fen__gte=0), name="payout_conversion_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} · {self.household_id}: {self.amount_minor} {self.currency}"
