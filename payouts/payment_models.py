"""What each household was paid when its period was marked paid, and its answer.

``HouseholdPayment``: one row per household with money in a paid period (its statement's
total), how it was paid and with what reference. Written once by ``period_mark_paid``; what
changes afterwards is only whether the household confirmed it (``status``) and, for a
"not received", how the operator resolved the dispute.

``PaymentAnswer``: one row per answer a household gave ("收到了" or "没收到"), in its passbook
or on the lead's phone (tapped, or a photographed slip it signed). Its ``key`` is made where
the answer was given (the passbook form, the phone's offline queue), so sending it twice
records it once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("银行转账")
    MOBILE = "mobile", _("手机支付")
    CASH_LEAD = "cash_lead", _("带头人转交现金")


def payment_slip_path(answer: "PaymentAnswer", filename: str) -> str:
    return f"payouts/slips/{answer.household_id}/{filename}"


class PaymentAnswer(models.Model):
    """A household's answer about its payments, given once (``key``) wherever it was given."""

    class Answer(models.TextChoices):
        RECEIVED = "received", _("收到了")
        NOT_RECEIVED = "not_received", _("没收到")

    class Via(models.TextChoices):
        PASSBOOK = "passbook", _("农户在存折页确认")
        LEAD_PHONE = "lead_phone", _("在带头人手机上确认")
        SLIP = "slip", _("签字或按手印的回执")

    key = models.UUIDField(_("幂等键"), unique=True)
    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(_("回答"), max_length=20, choices=Answer.choices)
    via = models.CharField(_("方式"), max_length=20, choices=Via.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # when the household answered (the phone's clock for an answer queued offline)
    answered_at = models.DateTimeField(_("回答时间"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    slip = models.ImageField(_("回执照片"), upload_to=payment_slip_path, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("农户收款回答")
        verbose_name_plural = _("农户收款回答")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(via="slip") | ~Q(slip=""), name="payment_answer_slip_has_photo"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.answer} · {self.via}"


class HouseholdPayment(models.Model):
    """One household's money of one paid period: how it was paid, and whether it says so."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("未确认")
        CONFIRMED = "confirmed", _("已确认收到")
        DISPUTED = "disputed", _("农户说没收到")
        RESOLVED = "resolved", _("争议已处理")

    period = models.ForeignKey(
        "payouts.PayoutPeriod",
        verbose_name=_("结算期"),
        on_delete=models.PROTECT,
        related_name="household_payments",
    )
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    workshop = models.ForeignKey(
        "workshops.Workshop", verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="+"
    )
    statement = models.OneToOneField(
        "payouts.Statement",
        verbose_name=_("结算单"),
        on_delete=models.PROTECT,
        related_name="payment",
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    method = models.CharField(_("付款方式"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("付款凭证号"), max_length=80)
    paid_at = models.DateTimeField(_("发放时间"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.UNCONFIRMED
    )
    answer = models.ForeignKey(
        PaymentAnswer,
        verbose_name=_("农户回答"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(_("处理说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("农户付款")
        verbose_name_plural = _("农户付款")
        ordering = ["-paid_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "household"], name="household_payment_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="household_payment_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="unconfirmed") | Q(answer__isnull=False),
                name="household_payment_answered",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(resolution=""),
                name="household_payment_resolution_noted",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "paid_at"]),
            models.Index(fields=["household", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} · {self.household_id}: {self.amount_fen}"

    @property
    def confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED
