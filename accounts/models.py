from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A merchant company, a workshop, a regional service center, or the platform operator."""

    class Kind(models.TextChoices):
        MERCHANT = "merchant", _("商家")
        WORKSHOP = "workshop", _("共富工坊")
        SERVICE_CENTER = "service_center", _("区域服务中心")
        OPERATOR = "operator", _("平台运营")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=120)
    province = models.CharField(_("省"), max_length=40, blank=True)
    county = models.CharField(_("县"), max_length=40, blank=True)
    township = models.CharField(_("乡镇"), max_length=40, blank=True)
    village = models.CharField(_("村"), max_length=40, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # The regional service center that serves a workshop (送料、收货上门) and whose checkers
    # inspect its lots.
    service_center = models.ForeignKey(
        "self",
        verbose_name=_("服务中心"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="served_organisations",
        limit_choices_to={"kind": "service_center"},
    )
    is_active = models.BooleanField(_("启用"), default=True)
    # A service center's payout currency (ISO 4217): its workshops' households are paid in it,
    # converted from CNY at the rate locked on each payout period (see docs/payouts.md).
    payout_currency = models.CharField(_("发放币种"), max_length=3, default="CNY")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    # The key of the form (or API call) that created it: a repeat returns this row.
    creation_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="organisation_kind_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_label(self) -> str:
        return " ".join(
            part for part in (self.province, self.county, self.township, self.village) if part
        )


SESSION_AUTH_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


class User(AbstractUser):
    """A person who signs in. Households without a login are not users."""

    class Role(models.TextChoices):
        MERCHANT = "merchant", _("商家")
        OPERATOR = "operator", _("平台运营")
        LEAD = "lead", _("工坊带头人")
        CHECKER = "checker", _("质检员")
        TRAINER = "trainer", _("实训老师")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    # Raised to sign out everywhere: it is part of the session auth hash, which every page
    # session and every bearer token of the user was issued against.
    session_epoch = models.PositiveIntegerField(_("登录代次"), default=0, editable=False)
    # The key of the operator's form (or API call) that created it: a repeat returns this user.
    creation_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The language notices are written in and the time zone pages show, blank = the site's.
    # A lead's follows their workshop's (set by an operator) unless they chose their own
    # (``locale_own``); see accounts.services.user_locale_set / user_locale_follow.
    language = models.CharField(_("语言"), max_length=15, blank=True)
    time_zone = models.CharField(_("时区"), max_length=40, blank=True)
    locale_own = models.BooleanField(_("自选语言与时区"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # A role always comes with an organisation (superusers may have neither).
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(organisation__isnull=False),
                name="user_role_needs_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    # Django verifies a page session by this hash (an HMAC of the password hash); ours covers
    # the session epoch too. At epoch 0 it is exactly Django's, so no session ends by itself.
    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=secret)

    def _session_auth_hash(self, *, secret: str | None) -> str:
        value = self.password if not self.session_epoch else f"{self.password}#{self.session_epoch}"
        return salted_hmac(
            SESSION_AUTH_HASH_SALT, value, secret=secret, algorithm="sha256"
        ).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a phone client. Only a hash of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("设备"), max_length=80, blank=True)
    key_prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # The user's session auth hash when the token was issued (an HMAC of the password hash, as
    # Django keeps in a page session): a new password changes it, so every older token stops
    # working, whichever way the password was set.
    credential_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"

    def credential_matches(self, user: "User") -> bool:
        """Whether ``user`` still has the credentials this token was issued against."""
        return any(
            constant_time_compare(self.credential_hash, current)
            for current in (user.get_session_auth_hash(), *user.get_session_auth_fallback_hash())
        )

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class InboxItem(models.Model):
    """One notice as its person reads it later: every ``notify_user`` call leaves one.

    The text is rendered when the notice is made (in the person's language, like the SMS), so
    the inbox says exactly what the phone was told, even after the wording changes.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="inbox")
    kind = models.CharField(_("类型"), max_length=40)
    text = models.TextField(_("内容"))
    # Where the notice leads (a page path of this site), or "".
    link = models.CharField(_("链接"), max_length=300, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["user", "-id"], name="inbox_user_newest"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="inbox_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"
