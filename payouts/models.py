"""Payout periods, their pools and lines, adjustments, the ledger and statements.

Money is integer fen (``*_fen`` BigIntegerFields); fee snapshots are Decimal yuan with four
places. What a period pays is fixed when it is approved: lines, pools and the ledger are never
updated afterwards (corrections are adjustments in a later period).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .money import fen_to_yuan

# The workshops' share settings (share_models.py), used by the pools below.
from .share_models import PayoutShareConfig as PayoutShareConfig
from .share_models import ShareKind as ShareKind


class PayoutPeriod(models.Model):
    """A settlement run (结算期) over a date range and a scope."""

    class Scope(models.TextChoices):
        ALL = "all", _("全部")
        REGION = "region", _("区域（服务中心）")
        WORKSHOP = "workshop", _("工坊")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        COMPUTING = "computing", _("计算中")
        COMPUTED = "computed", _("已计算")
        APPROVING = "approving", _("审核中")
        APPROVED = "approved", _("已审核锁定")
        PAID = "paid", _("已发放")

    name = models.CharField(_("名称"), max_length=120)
    scope = models.CharField(_("范围"), max_length=20, choices=Scope.choices, default=Scope.ALL)
    # A region is what one regional service center (一体化服务中心) serves.
    region = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("区域服务中心"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "service_center"},
    )
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("工坊"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # "all", "region:<id>" or "workshop:<id>": periods with the same key may not overlap.
    scope_key = models.CharField(_("范围键"), max_length=40, editable=False)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    pieces = models.BigIntegerField(_("合格件数"), default=0)
    rework_pieces = models.BigIntegerField(_("返工合格件数"), default=0)
    gross_fen = models.BigIntegerField(_("应收商家（分）"), default=0)
    households_fen = models.BigIntegerField(_("农户加工费（分）"), default=0)
    lead_fen = models.BigIntegerField(_("带头人分成（分）"), default=0)
    center_fen = models.BigIntegerField(_("服务中心分成（分）"), default=0)
    bonus_fen = models.BigIntegerField(_("奖励（分）"), default=0)
    deduction_fen = models.BigIntegerField(_("扣款（分）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    compute_job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("计算任务"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    computing_since = models.DateTimeField(_("开始计算"), null=True, blank=True)
    approve_job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("审核任务"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # The figures of the period's page (counts, reconciliation, top workshops), kept in the
    # transaction that approves it: a locked period cannot change, so its views read these
    # instead of re-aggregating its outcomes (payouts.selectors.figures). Null until approved.
    figures = models.JSONField(_("审核时的汇总数字"), null=True, blank=True, editable=False)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    payment_reference = models.CharField(_("付款凭证号"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("结算期")
        verbose_name_plural = _("结算期")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["scope_key", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="payout_period_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(scope="all", region__isnull=True, workshop__isnull=True)
                | Q(scope="region", region__isnull=False, workshop__isnull=True)
                | Q(scope="workshop", region__isnull=True, workshop__isnull=False),
                name="payout_period_scope_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def payable_fen(self) -> int:
        """What households receive: pool parts, bonuses less deductions, premiums less advance
        recoveries (those two summed from their rows: ``advance_models.period_extras``)."""
        extras = period_extras(self)
        return self.households_fen + self.bonus_fen - self.deduction_fen + extras["net_fen"]

    @property
    def is_empty(self) -> bool:
        """Nothing to pay anyone: no accepted pieces and no bonus (an approval to confirm)."""
        return self.gross_fen == 0 and self.bonus_fen == 0

    @property
    def is_locked(self) -> bool:
        return self.status in {self.Status.APPROVED, self.Status.PAID}

    @property
    def current_job_id(self) -> int | None:
        """The job doing the period's background work right now, if any."""
        if self.status == self.Status.COMPUTING:
            return self.compute_job_id
        if self.status == self.Status.APPROVING:
            return self.approve_job_id
        return None


# The period pipeline as data: status → statuses it may move to.
PERIOD_TRANSITIONS: dict[str, set[str]] = {
    PayoutPeriod.Status.DRAFT: {PayoutPeriod.Status.COMPUTING},
    PayoutPeriod.Status.COMPUTING: {PayoutPeriod.Status.COMPUTED, PayoutPeriod.Status.DRAFT},
    PayoutPeriod.Status.COMPUTED: {PayoutPeriod.Status.COMPUTING, PayoutPeriod.Status.APPROVING},
    # Approving writes the ledger (append-only) step by step: from here the only way is forward.
    PayoutPeriod.Status.APPROVING: {PayoutPeriod.Status.APPROVED},
    PayoutPeriod.Status.APPROVED: {PayoutPeriod.Status.PAID},
    PayoutPeriod.Status.PAID: set(),
}


class PayoutPeriodEvent(models.Model):
    """One row per status change of a period: who, when, from, to."""

    period = models.ForeignKey(PayoutPeriod, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=PayoutPeriod.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=PayoutPeriod.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("结算期事件")
        verbose_name_plural = _("结算期事件")
        ordering = ["period_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.period_id}: {self.from_status} → {self.to_status}"


class PayoutPool(models.Model):
    """One fee pool: one workshop's accepted pieces of one order in one period, and its split."""

    period = models.ForeignKey(PayoutPeriod, on_delete=models.CASCADE, related_name="pools")
    workshop = models.ForeignKey(
        "workshops.Workshop", verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("订单"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    merchant = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("商家"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("带头人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    service_center = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("服务中心"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    fee = models.DecimalField(_("加工费（元/件）"), max_digits=10, decimal_places=4)
    rework_fee = models.DecimalField(_("返工加工费（元/件）"), max_digits=10, decimal_places=4)
    pieces = models.BigIntegerField(_("合格件数"))
    rework_pieces = models.BigIntegerField(_("返工合格件数"), default=0)
    gross_fen = models.BigIntegerField(_("费用池（分）"))
    households_fen = models.BigIntegerField(_("农户部分（分）"))
    lead_fen = models.BigIntegerField(_("带头人部分（分）"))
    center_fen = models.BigIntegerField(_("服务中心部分（分）"))
    lead_kind = models.CharField(_("带头人分成方式"), max_length=20, choices=ShareKind.choices)
    lead_value = models.DecimalField(_("带头人分成"), max_digits=10, decimal_places=4)
    center_kind = models.CharField(_("服务中心分成方式"), max_length=20, choices=ShareKind.choices)
    center_value = models.DecimalField(_("服务中心分成"), max_digits=10, decimal_places=4)

    class Meta:
        verbose_name = _("费用池")
        verbose_name_plural = _("费用池")
        ordering = ["period_id", "workshop_id", "order_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "workshop", "order"], name="payout_pool_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    gross_fen=F("households_fen") + F("lead_fen") + F("center_fen"),
                    households_fen__gte=0,
                    lead_fen__gte=0,
                    center_fen__gte=0,
                ),
                name="payout_pool_parts_sum_to_pool",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id}·{self.workshop_id}·{self.order_id}: {fen_to_yuan(self.gross_fen)}"


class PayoutClaim(models.Model):
    """One decided inspection claimed by one period: the guard that a piece is paid once.

    Quality writes all PieceOutcome rows of an inspection at once, when it decides the lot, so
    an inspection is the natural unit of claim: its outcomes are paid together, in one period.
    The inspection is the primary key, so the database refuses a second claim whatever the
    scopes of the periods that race for it. Claims of a draft are released when it is
    recomputed. ``workshop`` is the lot's workshop, the pool the pieces are paid from.
    """

    inspection = models.OneToOneField(
        "quality.Inspection",
        verbose_name=_("检验"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="payout_claim",
    )
    period = models.ForeignKey(
        PayoutPeriod, verbose_name=_("结算期"), on_delete=models.CASCADE, related_name="claims"
    )
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("工坊"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("已结算检验")
        verbose_name_plural = _("已结算检验")

    def __str__(self) -> str:
        return f"{self.inspection_id} → {self.period_id}"


class PayoutLine(models.Model):
    """What one household earned on one order in one period (one household's part of a pool).

    The period, workshop, order and fees are the pool's. Lines are written only by the
    compute's INSERT … SELECT, from rows that exist in that same statement, and never updated;
    their foreign keys are therefore not enforced by the database (``db_constraint=False``):
    PostgreSQL's per-row deferred checks cost more than the insert itself at national scale
    (see docs/payouts.md). Django's ``on_delete`` still protects them.
    """

    pool = models.ForeignKey(
        PayoutPool,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,  # the unique (pool, household) index serves
        db_constraint=False,
    )
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # statements look lines up through the period's pools
        db_constraint=False,
    )
    pieces = models.BigIntegerField(_("合格件数"))
    rework_pieces = models.BigIntegerField(_("返工合格件数"), default=0)
    # pieces × fee + rework_pieces × rework_fee, rounded once to the fen
    gross_fen = models.BigIntegerField(_("计件金额（分）"))
    # the household's part of the pool (gross less its share of the lead's and center's parts)
    amount_fen = models.BigIntegerField(_("应得（分）"))

    class Meta:
        verbose_name = _("结算明细")
        verbose_name_plural = _("结算明细")
        ordering = ["pool_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "household"], name="payout_line_unique"),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0, gross_fen__gte=0), name="payout_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.pool_id}: {fen_to_yuan(self.amount_fen)}"


class PayoutAdjustment(models.Model):
    """A bonus or a deduction for one household, with its reason: an entry of its own.

    A correction to an approved period is an adjustment in a later one (``corrects``).
    """

    class Kind(models.TextChoices):
        BONUS = "bonus", _("奖励")
        DEDUCTION = "deduction", _("扣款")

    period = models.ForeignKey(
        PayoutPeriod, verbose_name=_("结算期"), on_delete=models.PROTECT, related_name="adjustments"
    )
    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("原因"), max_length=200)
    corrects = models.ForeignKey(
        PayoutPeriod,
        verbose_name=_("更正的结算期"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # Made when the page's form was rendered (or sent by an API client): a form posted twice
    # records one adjustment.
    idempotency_key = models.UUIDField(_("幂等键"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("奖惩调整")
        verbose_name_plural = _("奖惩调整")
        ordering = ["period_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="payout_adjustment_positive"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="payout_adjustment_has_reason"),
            models.CheckConstraint(
                condition=~Q(corrects=F("period")), name="payout_adjustment_corrects_other"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {fen_to_yuan(self.amount_fen)} · {self.reason}"

    @property
    def signed_fen(self) -> int:
        return self.amount_fen if self.kind == self.Kind.BONUS else -self.amount_fen


class LedgerEntry(models.Model):
    """The append-only ledger. Rows are written when a period is approved and when it is paid;
    the database refuses UPDATE (and DELETE on PostgreSQL), see migration 0002.

    Sign convention: ``charge`` entries are what a merchant owes (positive); ``payable`` entries
    are what the platform owes a payee (positive); ``payment`` entries settle payables (negative).
    """

    class Kind(models.TextChoices):
        MERCHANT_CHARGE = "merchant_charge", _("商家应付加工费")
        HOUSEHOLD_PAYABLE = "household_payable", _("应付农户加工费")
        LEAD_PAYABLE = "lead_payable", _("应付带头人分成")
        CENTER_PAYABLE = "center_payable", _("应付服务中心分成")
        ADJUSTMENT = "adjustment", _("奖惩调整")
        HOUSEHOLD_PAYMENT = "household_payment", _("已付农户")
        LEAD_PAYMENT = "lead_payment", _("已付带头人")
        CENTER_PAYMENT = "center_payment", _("已付服务中心")
        PREMIUM_CHARGE = "premium_charge", _("商家应付奖励")
        PREMIUM_PAYABLE = "premium_payable", _("应付农户奖励")
        ADVANCE_RECOVERY = "advance_recovery", _("预支扣回")

    period = models.ForeignKey(
        PayoutPeriod, verbose_name=_("结算期"), on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    merchant = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    workshop = models.ForeignKey(
        "workshops.Workshop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    household = models.ForeignKey(
        "workshops.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    service_center = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    adjustment = models.ForeignKey(
        PayoutAdjustment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)

    class Meta:
        verbose_name = _("台账分录")
        verbose_name_plural = _("台账分录")
        ordering = ["period_id", "pk"]
        indexes = [models.Index(fields=["household", "period"], name="payout_ledger_household")]

    def __str__(self) -> str:
        return f"{self.period_id} {self.kind} {fen_to_yuan(self.amount_fen)}"


class Statement(models.Model):
    """One household's statement for one period, readable without login behind ``token``."""

    period = models.ForeignKey(
        PayoutPeriod, verbose_name=_("结算期"), on_delete=models.PROTECT, related_name="statements"
    )
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="payout_statements",
    )
    # secrets.token_urlsafe(24): 192 random bits, unguessable; the whole capability.
    token = models.CharField(_("链接令牌"), max_length=64, unique=True)
    total_fen = models.BigIntegerField(_("合计（分）"), validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("结算单")
        verbose_name_plural = _("结算单")
        ordering = ["period_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "household"], name="statement_unique"),
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="statement_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.household}"


class StatementLinkEvent(models.Model):
    """One row per replacement of a statement's link (a lost paper slip): who, when, why.

    The money of the statement is untouched; only its token changes. The dead token is not
    kept (it was the whole capability), only its first characters, to recognise an old slip.
    """

    statement = models.ForeignKey(
        Statement, verbose_name=_("结算单"), on_delete=models.PROTECT, related_name="link_events"
    )
    old_token_hint = models.CharField(_("旧链接开头"), max_length=8)
    reason = models.CharField(_("原因"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("结算单链接补发")
        verbose_name_plural = _("结算单链接补发")
        ordering = ["statement_id", "at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="statement_link_event_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} · {self.at:%Y-%m-%d %H:%M} · {self.reason}"


# The impact dashboard's figures (kept as periods are approved) live in impact_models.py;
# imported here so Django finds them with the app's models.
# Payouts abroad: locked rates and converted nets (currency_models.py).
# Advances, their recoveries and premiums by rule (advance_models.py).
from .advance_models import Advance as Advance  # noqa: E402
from .advance_models import AdvanceRecovery as AdvanceRecovery  # noqa: E402
from .advance_models import OrderPremiumRule as OrderPremiumRule  # noqa: E402
from .advance_models import PayoutPremium as PayoutPremium  # noqa: E402
from .advance_models import PremiumKind as PremiumKind  # noqa: E402
from .advance_models import period_extras  # noqa: E402
from .currency_models import PayoutConversion as PayoutConversion  # noqa: E402
from .currency_models import PeriodRate as PeriodRate  # noqa: E402
from .impact_models import ImpactMonth as ImpactMonth  # noqa: E402
from .impact_models import ImpactTotals as ImpactTotals  # noqa: E402

# Per-household payments of a paid period and the households' answers (payment_models.py).
from .payment_models import HouseholdPayment as HouseholdPayment  # noqa: E402
from .payment_models import PaymentAnswer as PaymentAnswer  # noqa: E402
from .payment_models import PaymentMethod as PaymentMethod  # noqa: E402
