"""The impact dashboard's figures, kept as periods are approved (``payouts.reporting``): one
row of totals and one row per month and province. Written by the approval only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImpactMonth(models.Model):
    """Households earning and their money in one month and province, over locked periods.

    A period counts in the month its ``ends_on`` falls in and each household in the province of
    its workshop's organisation. Rewritten for the month by ``impact_record_period`` when a period
    of that month is approved (approved money never changes afterwards); never edited by hand.
    """

    month = models.DateField(_("月份"))  # the first day of the month
    province = models.CharField(_("省"), max_length=40, blank=True)
    households = models.PositiveIntegerField(_("有加工收入的农户"))
    total_fen = models.BigIntegerField(_("合计（分）"))

    class Meta:
        verbose_name = _("月度收入汇总")
        verbose_name_plural = _("月度收入汇总")
        ordering = ["-month", "province"]
        constraints = [
            models.UniqueConstraint(fields=["month", "province"], name="impact_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.province}"


class ImpactTotals(models.Model):
    """One row (pk 1): distinct households that earned in any locked period.

    Its row lock also orders the approvals' finishing steps, so two periods approved at once
    each see the other's statements when they count."""

    households_earning = models.PositiveIntegerField(_("有加工收入的农户"), default=0)

    class Meta:
        verbose_name = _("收入汇总")
        verbose_name_plural = _("收入汇总")

    def __str__(self) -> str:
        return f"{self.households_earning}"
