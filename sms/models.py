"""The log of every text message in and out (numbers masked): what was said, which command it
was, what became of it, and the gateway's delivery report for what we sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SmsMessage(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("收到")
        OUT = "out", _("发出")

    class Command(models.TextChoices):
        BALANCE = "balance", _("查余额")
        LIST = "list", _("查批次")
        CLAIM = "claim", _("认领")
        RELEASE = "release", _("退回")
        HELP = "help", _("帮助")

    class Status(models.TextChoices):
        # in: the command ran (answered), was refused with a reason, or the sender is not known
        DONE = "done", _("已处理")
        REFUSED = "refused", _("未执行")
        UNKNOWN_SENDER = "unknown_sender", _("号码未登记")
        # out: waiting for the commit, handed to the gateway, or the gateway refused it
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    class Delivery(models.TextChoices):
        DELIVERED = "delivered", _("已送达")
        UNDELIVERED = "undelivered", _("未送达")

    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    # 138****5678: the full number is never stored; ``number_key`` (a keyed hash) finds a
    # number's conversation without it.
    number_masked = models.CharField(_("号码"), max_length=20)
    number_key = models.CharField(_("号码键"), max_length=64, db_index=True, editable=False)
    body = models.TextField(_("内容"))
    command = models.CharField(_("指令"), max_length=10, choices=Command.choices, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    # What a refusal was (e.g. batch_already_claimed), the batch concerned, and the like.
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    gateway_id = models.CharField(_("网关编号"), max_length=64, blank=True)
    delivery_status = models.CharField(
        _("送达状态"), max_length=12, choices=Delivery.choices, blank=True
    )
    delivery_at = models.DateTimeField(_("送达回执时间"), null=True, blank=True)
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("回复的短信"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
    )
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("农户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("网关时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The gateway's id of an inbound message is seen once: a replay is refused by the
            # database, whichever of two racing requests comes second.
            models.UniqueConstraint(
                fields=["gateway_id"],
                condition=Q(direction="in"),
                name="sms_inbound_gateway_id_once",
            ),
            models.CheckConstraint(
                condition=~Q(direction="in") | ~Q(gateway_id=""),
                name="sms_inbound_has_gateway_id",
            ),
        ]
        indexes = [models.Index(fields=["gateway_id"], name="sms_gateway_id_idx")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.number_masked}: {self.body[:30]}"
