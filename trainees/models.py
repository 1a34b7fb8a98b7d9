"""The lead-goose (领头雁) programme and village skill courses: who is trained, how far along.

A programme is made of modules (required hours, an assessment each); a cohort runs one
programme from a start date at a place, taught by its trainers; trainees belong to a cohort.
Trainers log progress entries (never edited: a correction is a new entry that references the
one it corrects) and record assessments; a passed assessment of a skill is a certificate.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops.models import SkillLevel

MAX_HOURS_PER_DAY = Decimal("12")
MAX_SCORE = 100


class Programme(models.Model):
    """A training programme: the 180-day lead programme, or a short village skill course."""

    class Kind(models.TextChoices):
        LEAD = "lead", _("领头雁带头人实训")
        VILLAGE = "village", _("村级技能培训")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    duration_days = models.PositiveSmallIntegerField(
        _("培训天数"), validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_days__gte=1), name="programme_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Module(models.Model):
    """One module of a programme: hours to put in, by which day, and how it is passed.

    A module that lists skills is passed when each of them has a passed assessment in it;
    a module without skills (e.g. 工坊管理) is passed by one passed assessment of the module.
    """

    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), on_delete=models.CASCADE, related_name="modules"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("名称"), max_length=60)
    required_hours = models.DecimalField(
        _("要求学时"), max_digits=6, decimal_places=1, validators=[MinValueValidator(1)]
    )
    # The programme day by which the module's hours should be done (the schedule).
    due_day = models.PositiveSmallIntegerField(_("应完成于第几天"))
    pass_score = models.PositiveSmallIntegerField(
        _("及格分"), default=60, validators=[MaxValueValidator(MAX_SCORE)]
    )
    skills = models.ManyToManyField(
        "workshops.Skill", verbose_name=_("考核技能"), related_name="+", blank=True
    )

    class Meta:
        verbose_name = _("培训模块")
        verbose_name_plural = _("培训模块")
        ordering = ["programme_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "position"], name="module_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(required_hours__gt=0), name="module_hours_positive"
            ),
            models.CheckConstraint(condition=models.Q(due_day__gte=1), name="module_due_day_pos"),
            models.CheckConstraint(
                condition=models.Q(pass_score__lte=MAX_SCORE), name="module_pass_score_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cohort(models.Model):
    """One run of a programme: from a start date, at a place, taught by its trainers."""

    class Place(models.TextChoices):
        YIWU_BASE = "yiwu_base", _("义乌实训基地")
        VILLAGE = "village", _("村里")

    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("名称"), max_length=80)
    start_date = models.DateField(_("开班日期"))
    place_kind = models.CharField(_("地点类型"), max_length=20, choices=Place.choices)
    place = models.CharField(_("地点"), max_length=120)
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("实训老师"),
        related_name="taught_cohorts",
        limit_choices_to={"role": "trainer"},
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["-start_date", "pk"]

    def __str__(self) -> str:
        return self.name


class Trainee(models.Model):
    """A trainee (学员): a future lead in Yiwu, or a villager learning a skill at home."""

    class Background(models.TextChoices):
        RETURNEE_GRADUATE = "returnee_graduate", _("返乡大学生")
        LOCAL_BACKBONE = "local_backbone", _("乡土骨干")
        VILLAGER = "villager", _("村民")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("已报名")
        IN_TRAINING = "in_training", _("培训中")
        GRADUATED = "graduated", _("已结业")
        WITHDREW = "withdrew", _("已退出")

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("班级"), on_delete=models.PROTECT, related_name="trainees"
    )
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    province = models.CharField(_("省"), max_length=40)
    county = models.CharField(_("县"), max_length=40)
    village = models.CharField(_("村"), max_length=40, blank=True)
    background = models.CharField(_("来源"), max_length=30, choices=Background.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ENROLLED
    )
    withdraw_reason = models.CharField(_("退出原因"), max_length=200, blank=True)
    withdrawn_on = models.DateField(_("退出日期"), null=True, blank=True)
    graduated_on = models.DateField(_("结业日期"), null=True, blank=True)
    # A village apprentice who is a member of a household: certified skills flow to it.
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("所属农户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainees",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_records",
    )
    # Set when an operator makes the graduate the lead of a workshop.
    led_workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("带领的工坊"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_training_records",
    )
    lead_since = models.DateField(_("任带头人日期"), null=True, blank=True)
    enrolled_on = models.DateField(_("报名日期"), default=timezone.localdate)

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        ordering = ["cohort_id", "name", "pk"]
        indexes = [models.Index(fields=["cohort", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="withdrew") | ~models.Q(withdraw_reason=""),
                name="trainee_withdrawal_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="graduated") | models.Q(graduated_on__isnull=False),
                name="trainee_graduation_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(led_workshop__isnull=True) | models.Q(status="graduated"),
                name="trainee_lead_is_graduate",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def origin(self) -> str:
        return " ".join(part for part in (self.province, self.county, self.village) if part)


# The trainee pipeline as data: status → statuses it may move to.
TRAINEE_TRANSITIONS: dict[str, set[str]] = {
    Trainee.Status.ENROLLED: {Trainee.Status.IN_TRAINING, Trainee.Status.WITHDREW},
    Trainee.Status.IN_TRAINING: {Trainee.Status.GRADUATED, Trainee.Status.WITHDREW},
    Trainee.Status.GRADUATED: set(),
    Trainee.Status.WITHDREW: set(),
}


class ProgressLog(models.Model):
    """One trainer's record of one session for one trainee. Never edited.

    A correction is a new row with ``corrects`` pointing at the row it replaces; the
    replaced row then no longer counts. ``corrects`` is unique, so a row is corrected at
    most once (correct the correction to change it again).
    """

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("学员"), on_delete=models.PROTECT, related_name="progress_logs"
    )
    module = models.ForeignKey(
        Module, verbose_name=_("培训模块"), on_delete=models.PROTECT, related_name="+"
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("实训老师"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Entries logged together for several trainees share a session key (the phone's key).
    session_key = models.UUIDField(_("记录批次"), default=uuid.uuid4, db_index=True)
    date = models.DateField(_("日期"))
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    activity = models.CharField(_("培训内容"), max_length=200)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    photo = models.ImageField(_("作品照片"), upload_to="trainees/progress/", blank=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("更正的记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["trainee_id", "date", "pk"]
        indexes = [models.Index(fields=["trainee", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["session_key", "trainee"], name="progress_one_per_trainee_per_session"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gte=0) & models.Q(hours__lte=MAX_HOURS_PER_DAY),
                name="progress_hours_range",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=MAX_SCORE),
                name="progress_score_range",
            ),
            # Only a correction may zero an entry (to void one logged by mistake).
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) | models.Q(corrects__isnull=False),
                name="progress_hours_positive_unless_correction",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True) | ~models.Q(correction_reason=""),
                name="progress_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.module} · {self.date} · {self.hours}h"


class Assessment(models.Model):
    """An assessment of a trainee in a module, optionally of one skill at a level.

    Passing (score ≥ the module's pass score) a skill assessment certifies the skill at that
    level on ``certified_on``: the row is the certificate.
    """

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("学员"), on_delete=models.PROTECT, related_name="assessments"
    )
    module = models.ForeignKey(
        Module, verbose_name=_("培训模块"), on_delete=models.PROTECT, related_name="+"
    )
    skill = models.ForeignKey(
        "workshops.Skill",
        verbose_name=_("技能"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=SkillLevel.choices, null=True, blank=True
    )
    score = models.PositiveSmallIntegerField(_("得分"))
    passed = models.BooleanField(_("通过"))
    assessed_on = models.DateField(_("考核日期"))
    certified_on = models.DateField(_("认证日期"), null=True, blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("考核人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("备注"), blank=True)
    # The key of the form (or phone request) that recorded it: a repeat replays, never twice.
    client_key = models.UUIDField(_("请求编号"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        ordering = ["trainee_id", "assessed_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=MAX_SCORE), name="assessment_score_range"
            ),
            models.CheckConstraint(
                condition=models.Q(skill__isnull=True, level__isnull=True)
                | models.Q(skill__isnull=False, level__isnull=False),
                name="assessment_skill_has_level",
            ),
            models.CheckConstraint(
                condition=models.Q(certified_on__isnull=True)
                | models.Q(passed=True, skill__isnull=False),
                name="assessment_certificate_needs_passed_skill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.module} · {self.score}"


class AssessmentRevocation(models.Model):
    """A mistaken assessment revoked: a new entry saying who and why.

    The assessment itself is never edited or deleted; once revoked it no longer counts (no
    module passed, no certificate), and the skill it certified flows back out of the household
    and its workshop unless something else certifies it. An assessment is revoked once.
    """

    assessment = models.OneToOneField(
        Assessment,
        verbose_name=_("撤销的考核"),
        on_delete=models.PROTECT,
        related_name="revocation",
    )
    reason = models.CharField(_("撤销原因"), max_length=200)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核撤销")
        verbose_name_plural = _("考核撤销")
        ordering = ["-revoked_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="assessment_revocation_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.reason}"
