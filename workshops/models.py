from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.locales import default_language, default_time_zone
from core.privacy import mask_account, mask_phone

from . import cards


class SkillLevel(models.IntegerChoices):
    BEGINNER = 1, _("初级")
    INTERMEDIATE = 2, _("中级")
    ADVANCED = 3, _("高级")


class Skill(models.Model):
    """The catalogue of handicraft skills: 绕线, 打结, 编织, 钩针, 刺绣, 串珠 …"""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    # A retired skill stays on the profiles and orders that have it, but no new order,
    # household, workshop or course may name it.
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    creation_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Workshop(models.Model):
    """A common-prosperity workshop (共富工坊): its organisation, lead, capacity and skills."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("暂停")

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("机构"),
        on_delete=models.PROTECT,
        related_name="workshop",
        limit_choices_to={"kind": "workshop"},
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("带头人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_workshops",
    )
    daily_capacity = models.PositiveIntegerField(
        _("日产能（件）"), validators=[MinValueValidator(1)], default=500
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    skills = models.ManyToManyField(Skill, through="WorkshopSkill", verbose_name=_("技能"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    # What its households read (statements, notices) and where its clocks are: one of
    # settings.LANGUAGES and an IANA time zone, checked by the services (core.locales).
    language = models.CharField(_("语言"), max_length=15, default=default_language)
    time_zone = models.CharField(_("时区"), max_length=40, default=default_time_zone)

    class Meta:
        verbose_name = _("共富工坊")
        verbose_name_plural = _("共富工坊")
        ordering = ["organisation__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_capacity__gte=1), name="workshop_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class WorkshopSkill(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="skill_levels")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=SkillLevel.choices, default=SkillLevel.BEGINNER
    )

    class Meta:
        verbose_name = _("工坊技能")
        verbose_name_plural = _("工坊技能")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "skill"], name="workshop_skill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} · {self.skill} · {self.get_level_display()}"


def new_card_code() -> str:
    """A card code never issued before: not on a household's card now, nor on a retired card."""
    while True:
        code = cards.new_code()
        if not (
            Household.objects.filter(card_code=code).exists()
            or RetiredCard.objects.filter(code=code).exists()
        ):
            return code


class Household(models.Model):
    """A member household (农户) of one workshop. Households usually have no login: they hold a
    card (``card_code``, see ``workshops/cards.py``) that the lead scans and that opens their
    passbook."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="households"
    )
    name = models.CharField(_("户主姓名"), max_length=60)
    members = models.PositiveSmallIntegerField(
        _("参与人数"), default=1, validators=[MinValueValidator(1)]
    )
    # Where the household lives: the lead tells apart two households of the same name by it.
    village = models.CharField(_("村"), max_length=40, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # The passbook's second factor (with the phone's last four digits): a year the household
    # knows by heart and a finder of a lost card does not.
    birth_year = models.PositiveSmallIntegerField(
        _("户主出生年份"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    payment_account = models.CharField(_("收款账户"), max_length=40, blank=True)
    payment_account_name = models.CharField(_("收款人"), max_length=60, blank=True)
    skills = models.ManyToManyField(Skill, through="HouseholdSkill", verbose_name=_("技能"))
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    is_active = models.BooleanField(_("在册"), default=True)
    creation_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    card_code = models.CharField(
        _("卡号"), max_length=cards.CODE_LENGTH, unique=True, default=new_card_code, editable=False
    )
    card_issued_at = models.DateTimeField(_("发卡时间"), default=timezone.now, editable=False)
    # The last four characters of the head's ID card (never the whole number): tells apart two
    # households of one name when a roster is imported.
    id_tail = models.CharField(_("身份证后四位"), max_length=4, blank=True)
    # Erased on the household's request (PIPL): personal fields are placeholders, for good.
    erased_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True, editable=False)
    # Blank: the workshop's (workshops.selectors.household_language / household_time_zone).
    language = models.CharField(_("语言"), max_length=15, blank=True)
    time_zone = models.CharField(_("时区"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("农户")
        verbose_name_plural = _("农户")
        ordering = ["workshop_id", "name", "pk"]
        indexes = [models.Index(fields=["workshop", "is_active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def payment_account_masked(self) -> str:
        return mask_account(self.payment_account)

    @property
    def card_display(self) -> str:
        return cards.display(self.card_code)


class RetiredCard(models.Model):
    """A household's earlier card (lost, damaged, or re-issued): its code stops working the
    moment the new card is issued, and is never issued again. The history of a household's
    codes is these rows plus ``Household.card_code``."""

    household = models.ForeignKey(
        Household, verbose_name=_("农户"), on_delete=models.PROTECT, related_name="retired_cards"
    )
    code = models.CharField(_("卡号"), max_length=cards.CODE_LENGTH, unique=True)
    issued_at = models.DateTimeField(_("发卡时间"))
    retired_at = models.DateTimeField(_("停用时间"), default=timezone.now)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("停用的农户卡")
        verbose_name_plural = _("停用的农户卡")
        ordering = ["household_id", "-retired_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.code}"


class HouseholdConsent(models.Model):
    """A household's consent (《个人信息保护法》) to one purpose of processing its data: when,
    recorded by whom, and how (the paper it signed or thumb-printed, photographed). Withdrawn
    consent keeps its row with ``withdrawn_at``; the consent in force is the newest row of
    the purpose without it."""

    class Purpose(models.TextChoices):
        # Needed to work through the platform at all: name, phone, account, work and pay.
        DATA_PROCESSING = "data_processing", _("处理个人信息")
        # Optional: the household may be named (and pictured) on a product's public story page.
        STORY = "story", _("在产品故事页署名")

    class Method(models.TextChoices):
        PAPER = "paper", _("签字或按手印的纸面同意书")
        IN_PERSON = "in_person", _("当面口头同意，带头人见证")
        SPREADSHEET = "spreadsheet", _("村委会名册导入时一并确认")

    household = models.ForeignKey(
        Household, verbose_name=_("农户"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    method = models.CharField(_("方式"), max_length=20, choices=Method.choices)
    # The media path of the photographed paper (core.photos cleans it; served after a check).
    evidence = models.CharField(_("凭证照片"), max_length=200, blank=True)
    given_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回记录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("农户授权")
        verbose_name_plural = _("农户授权")
        ordering = ["household_id", "purpose", "-given_at", "-pk"]
        indexes = [models.Index(fields=["household", "purpose"])]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.purpose} · {self.given_at:%Y-%m-%d}"


class HouseholdSkill(models.Model):
    class Source(models.TextChoices):
        DECLARED = "declared", _("自报")
        CERTIFIED = "certified", _("考核认证")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="skill_levels")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=SkillLevel.choices, default=SkillLevel.BEGINNER
    )
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.DECLARED
    )
    certified_on = models.DateField(_("认证日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("农户技能")
        verbose_name_plural = _("农户技能")
        constraints = [
            models.UniqueConstraint(fields=["household", "skill"], name="household_skill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.skill}"


class WorkshopSkillChange(models.Model):
    """History of a workshop's skill profile: each skill added, raised, lowered or removed.

    Skills come from certification (a member household certified by a trainer) or from an
    operator, with a reason; never from the workshop's own lead.
    """

    class Source(models.TextChoices):
        OPERATOR = "operator", _("平台运营")
        CERTIFICATION = "certification", _("考核认证")
        # A trainer (or operator) revoked a mistaken certificate: the skill flows back out.
        CERTIFICATION_REVOKED = "revoked", _("认证撤销")

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="skill_changes"
    )
    skill = models.ForeignKey(
        Skill, verbose_name=_("技能"), on_delete=models.PROTECT, related_name="+"
    )
    # None: the workshop did not have the skill before / no longer has it after.
    from_level = models.PositiveSmallIntegerField(
        _("原等级"), choices=SkillLevel.choices, null=True, blank=True
    )
    to_level = models.PositiveSmallIntegerField(
        _("新等级"), choices=SkillLevel.choices, null=True, blank=True
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("认证农户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工坊技能变更")
        verbose_name_plural = _("工坊技能变更")
        ordering = ["workshop_id", "-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source="operator") | ~models.Q(reason=""),
                name="workshop_skill_change_operator_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id} · {self.skill_id}: {self.from_level} → {self.to_level}"


class WorkshopCapacityChange(models.Model):
    """A change of a workshop's daily capacity: who asked, from what, to what, why, its fate.

    An operator's change and a lead's change within the bound apply at once (``applied``). A
    lead's increase beyond the bound waits (``pending``; the workshop keeps its old capacity)
    until an operator confirms or rejects it; a newer request supersedes a pending one.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("已生效")
        PENDING = "pending", _("待运营确认")
        CONFIRMED = "confirmed", _("运营已确认")
        REJECTED = "rejected", _("运营已驳回")
        SUPERSEDED = "superseded", _("已被新申请取代")

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="capacity_changes"
    )
    from_capacity = models.PositiveIntegerField(_("原日产能"))
    to_capacity = models.PositiveIntegerField(_("新日产能"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_note = models.CharField(_("确认说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("工坊产能变更")
        verbose_name_plural = _("工坊产能变更")
        ordering = ["workshop_id", "-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_capacity__gte=1), name="workshop_capacity_change_positive"
            ),
            models.UniqueConstraint(
                fields=["workshop"],
                condition=models.Q(status="pending"),
                name="workshop_capacity_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id}: {self.from_capacity} → {self.to_capacity} ({self.status})"


class WorkshopEvent(models.Model):
    """What happened to a workshop outside its skills and capacity: who, when, why.

    Registration, an operator's edit of its name, place or service center, a suspension or
    reactivation, and each change of lead (the previous lead and the new one).
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        EDITED = "edited", _("修改资料")
        SUSPENDED = "suspended", _("暂停")
        ACTIVATED = "activated", _("恢复")
        LEAD_ASSIGNED = "lead_assigned", _("更换带头人")

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("原带头人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("新带头人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # For an edit: field → [before, after].
    changes = models.JSONField(_("改动"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工坊事件")
        verbose_name_plural = _("工坊事件")
        ordering = ["workshop_id", "-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="lead_assigned") | ~models.Q(reason=""),
                name="workshop_event_lead_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id} · {self.kind} · {self.at:%Y-%m-%d}"


class HouseholdEvent(models.Model):
    """A household's record changed: edited (field → before, after; accounts masked),
    deactivated or reactivated. Households are never deleted: their tickets and payouts stay."""

    class Kind(models.TextChoices):
        EDITED = "edited", _("修改资料")
        DEACTIVATED = "deactivated", _("停用")
        REACTIVATED = "reactivated", _("恢复")
        CARD_REISSUED = "card_reissued", _("补发农户卡")
        IMPORTED = "imported", _("从名册导入")
        CONSENT_GIVEN = "consent_given", _("记录授权")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("撤回授权")
        ERASED = "erased", _("按本人要求匿名化")

    household = models.ForeignKey(
        Household, verbose_name=_("农户"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    changes = models.JSONField(_("改动"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("农户变更")
        verbose_name_plural = _("农户变更")
        ordering = ["household_id", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.kind} · {self.at:%Y-%m-%d}"


from .import_models import HouseholdImport  # noqa: E402, F401  (kept apart: models.py is long)
