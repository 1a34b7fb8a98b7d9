"""Merchants' systems connected: scoped API keys and signed webhook deliveries.

A key acts as its merchant organisation, not as a person: it signs in as the organisation's
integration user (role merchant, no password, made with the first key), so every selector's
``scope`` and every service's role check treat it exactly as one of the merchant's staff,
within the endpoints its scopes cover (``integrations.scopes``).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User


class ApiKey(models.Model):
    """A merchant's key for its own systems. Only a SHA-256 of the key is stored."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="api_keys"
    )
    # The organisation's integration user that requests with this key act as.
    acting_user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", editable=False
    )
    name = models.CharField(_("名称"), max_length=80)
    scopes = models.JSONField(_("权限范围"), default=list)
    key_prefix = models.CharField(_("前缀"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # Each use: one UPDATE of these two, no read, no extra row.
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    use_count = models.PositiveBigIntegerField(_("使用次数"), default=0)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.name})"


class WebhookEndpoint(models.Model):
    """A URL of a merchant's system that receives the events it subscribed to, signed."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("机构"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("地址"), max_length=500)
    events = models.JSONField(_("事件"), default=list)
    # Needed in clear to sign each delivery; shown once, at creation.
    secret = models.CharField(max_length=80, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    disabled_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("推送地址")
        verbose_name_plural = _("推送地址")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: the unit the delivery task takes (by id) and retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SUCCEEDED = "succeeded", _("已送达")
        FAILED = "failed", _("失败")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("推送地址"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("事件"), max_length=40)
    # The event's id: the same in a replay, so a receiver can skip what it already has.
    event_id = models.UUIDField(_("事件编号"))
    payload = models.JSONField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    response_code = models.PositiveIntegerField(_("响应码"), null=True, blank=True)
    last_error = models.CharField(_("错误"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    # While an attempt runs: after this, a killed attempt may be taken up again.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    replay_of = models.ForeignKey(
        "self", verbose_name=_("重发自"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"
