"""Advances and premiums: money a household gets besides its piece fees, as lines of their own.

- ``Advance``: cash paid to a household when materials are handed out (预支), recovered from its
  later periods by ``AdvanceRecovery`` rows, never taking a period's net below zero; what is
  left is carried to the next period. Closed when its last fen is recovered in an approved
  period.
- ``OrderPremiumRule``: per order, what the merchant adds per piece for lots accepted at first
  inspection and for pieces accepted by the order's deadline; ``PayoutPremium`` the premium a
  compute found, per (workshop, order, household, kind), each a ledger line of its own.

All amounts integer fen; rates Decimal yuan with four places. Recoveries and premiums of a period
are written by its compute and released by a recompute, like its lines; once the period is
approved the database refuses to change them (migration 0010).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .money import fen_to_yuan


class Advance(models.Model):
    """An advance (预支) paid to one household, recovered from its later periods."""

    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    # The household's workshop when it was paid (a lead sees its own workshop's advances).
    workshop = models.ForeignKey(
        "workshops.Workshop", verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="+"
    )
    amount_fen = models.BigIntegerField(_("预支金额（分）"), validators=[MinValueValidator(1)])
    paid_at = models.DateTimeField(_("支付时间"), default=timezone.now)
    reason = models.CharField(_("事由"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # Made when the form was rendered (or sent by the API client): a repeat records one advance.
    idempotency_key = models.UUIDField(_("幂等键"), null=True, blank=True, unique=True)
    # Set when an approved period recovered its last fen.
    closed_in = models.ForeignKey(
        "payouts.PayoutPeriod",
        verbose_name=_("扣清于结算期"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("扣清时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预支")
        verbose_name_plural = _("预支")
        ordering = ["household_id", "paid_at", "pk"]
        indexes = [models.Index(fields=["household", "closed_at"], name="payout_advance_open")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_advance_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="payout_advance_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {fen_to_yuan(self.amount_fen)} · {self.reason}"


class AdvanceRecovery(models.Model):
    """What one period took back of one advance: a ledger line of its own at approval."""

    period = models.ForeignKey(
        "payouts.PayoutPeriod",
        verbose_name=_("结算期"),
        on_delete=models.CASCADE,
        related_name="advance_recoveries",
    )
    advance = models.ForeignKey(
        Advance, verbose_name=_("预支"), on_delete=models.PROTECT, related_name="recoveries"
    )
    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    amount_fen = models.BigIntegerField(_("扣回金额（分）"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("预支扣回")
        verbose_name_plural = _("预支扣回")
        ordering = ["period_id", "advance_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "advance"], name="payout_advance_recovery_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="payout_advance_recovery_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} · {self.advance_id}: {fen_to_yuan(self.amount_fen)}"


class PremiumKind(models.TextChoices):
    FIRST_PASS = "first_pass", _("一次检验合格奖")
    ON_TIME = "on_time", _("按期交货奖")


class OrderPremiumRule(models.Model):
    """Per order, the merchant's premiums per accepted piece (zero: none). See docs/payouts.md."""

    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("订单"),
        on_delete=models.CASCADE,
        related_name="premium_rule",
    )
    first_pass_per_piece = models.DecimalField(
        _("一次检验合格奖（元/件）"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    on_time_per_piece = models.DecimalField(
        _("按期交货奖（元/件）"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("订单奖励规则")
        verbose_name_plural = _("订单奖励规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_pass_per_piece__gte=0, on_time_per_piece__gte=0),
                name="payout_premium_rule_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.first_pass_per_piece} / {self.on_time_per_piece}"


class PayoutPremium(models.Model):
    """One household's premium of one kind on one order in one period (workshop pool), rounded
    once to the fen, charged to the order's merchant; not shared with lead or center."""

    period = models.ForeignKey(
        "payouts.PayoutPeriod",
        verbose_name=_("结算期"),
        on_delete=models.CASCADE,
        related_name="premiums",
    )
    workshop = models.ForeignKey(
        "workshops.Workshop", verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="+"
    )
    merchant = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("商家"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=PremiumKind.choices)
    pieces = models.BigIntegerField(_("件数"))
    rate = models.DecimalField(_("奖励（元/件）"), max_digits=10, decimal_places=4)
    amount_fen = models.BigIntegerField(_("金额（分）"))

    class Meta:
        verbose_name = _("奖励")
        verbose_name_plural = _("奖励")
        ordering = ["period_id", "household_id", "order_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "workshop", "order", "household", "kind"],
                name="payout_premium_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0, pieces__gt=0), name="payout_premium_positive"
            ),
        ]

    def __str__(self) -> str:
        amount = fen_to_yuan(self.amount_fen)
        return f"{self.period_id} · {self.household_id} · {self.kind}: {amount}"


def period_extras(period) -> dict[str, int]:
    """A period's premiums and advance recoveries in fen, and their net (read once per period
    instance: ``PayoutPeriod.payable_fen`` and the period page use it)."""
    if not hasattr(period, "_extras_fen"):
        premium = PayoutPremium.objects.filter(period_id=period.pk).aggregate(t=Sum("amount_fen"))
        recovery = AdvanceRecovery.objects.filter(period_id=period.pk).aggregate(
            t=Sum("amount_fen")
        )
        premium_fen, recovery_fen = premium["t"] or 0, recovery["t"] or 0
        period._extras_fen = {
            "premium_fen": premium_fen,
            "recovery_fen": recovery_fen,
            "net_fen": premium_fen - recovery_fen,
        }
    return period._extras_fen
