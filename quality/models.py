"""Lots, custody scans, inspections and what they decided.

A lot is a physical bundle with a QR label: materials going out to a workshop, or finished
pieces coming back (with how many pieces came from each household). Every hand-over is a
``ScanEvent``; a checker's sampling ``Inspection`` decides a finished lot, and the decision is
written per household as ``PieceOutcome`` rows, which payouts pay.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """ISO 2859-1 severity of inspection (检验严格度)."""

    NORMAL = "normal", _("正常检验")
    TIGHTENED = "tightened", _("加严检验")
    REDUCED = "reduced", _("放宽检验")


class Lot(models.Model):
    class Kind(models.TextChoices):
        MATERIAL = "material", _("原料包")
        FINISHED = "finished", _("成品包")

    class Stage(models.TextChoices):
        """Where the lot is in its chain of custody; each scan can only move it forward."""

        PACKED = "packed", _("已打包")
        SHIPPED = "shipped", _("已发出")
        RECEIVED = "received", _("已签收")
        INSPECTED = "inspected", _("已检验")
        DELIVERED = "delivered", _("已交付")

    class Verdict(models.TextChoices):
        PENDING = "pending", _("待检验")
        ACCEPTED = "accepted", _("合格")
        REJECTED = "rejected", _("不合格")
        REWORK = "rework", _("返工中")
        SORTED = "sorted", _("已全检挑选")
        SCRAPPED = "scrapped", _("整批判废")

    code = models.CharField(_("货批码"), max_length=16, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # No index of their own: (batch, kind) and (workshop, stage) below lead with them. Each
    # index is written by every scan that moves the lot (its stage is in one, so the UPDATE is
    # never HOT): fewer indexes, a cheaper scan (BENCHMARKS.md, "Single scan").
    batch = models.ForeignKey(
        "orders.Batch",
        verbose_name=_("批次"),
        on_delete=models.PROTECT,
        related_name="lots",
        db_index=False,
    )
    # Denormalised from the batch (fixed once the batch is claimed) for region scoping.
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("工坊"),
        on_delete=models.PROTECT,
        related_name="lots",
        db_index=False,
    )
    quantity = models.PositiveIntegerField(_("件数"), validators=[MinValueValidator(1)])
    stage = models.CharField(
        _("流转环节"), max_length=20, choices=Stage.choices, default=Stage.PACKED
    )
    verdict = models.CharField(
        _("质检结论"), max_length=20, choices=Verdict.choices, default=Verdict.PENDING
    )
    # 1 for the first submission; +1 each time the lot comes back from rework.
    round = models.PositiveSmallIntegerField(_("送检轮次"), default=1)
    round_started_at = models.DateTimeField(_("本轮开始"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    stage_changed_at = models.DateTimeField(_("环节更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("货批")
        verbose_name_plural = _("货批")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["batch", "kind"]),
            models.Index(fields=["workshop", "stage"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="lot_quantity_positive"
            ),
            models.CheckConstraint(condition=models.Q(round__gte=1), name="lot_round_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class LotShare(models.Model):
    """How many pieces of a finished lot came from one household."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="shares")
    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("件数"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("货批农户份额")
        verbose_name_plural = _("货批农户份额")
        ordering = ["lot_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "household"], name="lot_share_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="lot_share_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} · {self.household_id} ×{self.quantity}"


class ScanEvent(models.Model):
    """One hand-over scan, recorded exactly once per client key.

    ``applied`` says whether it moved the lot; a scan that arrived too late to fit (the lot
    had already moved past it) is kept with ``flag`` saying why, never dropped.
    """

    class Action(models.TextChoices):
        PACKED = "packed", _("打包")
        SHIPPED = "shipped", _("发出")
        RECEIVED = "received", _("签收")
        INSPECTED = "inspected", _("检验")
        DELIVERED = "delivered", _("交付")

    class Flag(models.TextChoices):
        NONE = "", _("正常")
        ALREADY_PAST = "already_past", _("货批已过此环节（迟到的扫描）")
        EARLIER_ROUND = "earlier_round", _("属于返工前的轮次")
        SKIPPED_STAGE = "skipped_stage", _("跳过了中间环节")

    # Unique through ``ScanKey`` (on PostgreSQL this table is partitioned by month, and a
    # unique constraint there could only be per month).
    key = models.CharField(_("客户端键"), max_length=64)
    body_hash = models.CharField(max_length=64)
    # No index of its own: (lot, device_time) below leads with it (one index fewer per scan).
    lot = models.ForeignKey(
        Lot, verbose_name=_("货批"), on_delete=models.PROTECT, related_name="scans", db_index=False
    )
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    device_time = models.DateTimeField(_("设备时间"))
    recorded_at = models.DateTimeField(_("入库时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("扫描人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied = models.BooleanField(_("已生效"), default=True)
    flag = models.CharField(_("标记"), max_length=20, choices=Flag.choices, blank=True)
    stage_before = models.CharField(_("扫描前环节"), max_length=20, choices=Lot.Stage.choices)
    stage_after = models.CharField(_("扫描后环节"), max_length=20, choices=Lot.Stage.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("扫描记录")
        verbose_name_plural = _("扫描记录")
        ordering = ["lot_id", "device_time", "pk"]
        indexes = [models.Index(fields=["lot", "device_time"])]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.action} @ {self.device_time:%Y-%m-%d %H:%M}"


class ScanKey(models.Model):
    """Each scan's client key, once: the idempotency of every scan.

    On PostgreSQL ``quality_scanevent`` is partitioned by month of ``recorded_at`` (migration
    0008), and a unique constraint on a partitioned table must include the partition key, so
    a key is held here, in a small unpartitioned table written in the same statement as its
    event. ``(event_id, recorded_at)`` find the event in one partition.
    """

    key = models.CharField(_("客户端键"), max_length=64, primary_key=True)
    body_hash = models.CharField(_("内容指纹"), max_length=64)
    event_id = models.BigIntegerField(_("扫描记录编号"))
    recorded_at = models.DateTimeField(_("入库时间"))

    class Meta:
        verbose_name = _("扫描客户端键")
        verbose_name_plural = _("扫描客户端键")

    def __str__(self) -> str:
        return self.key


class LotDelivery(models.Model):
    """Goods received: the merchant's count of a finished lot's accepted pieces, once per lot.

    ``packed`` is what the lot should hold (its accepted pieces when received); ``received``
    what the merchant counted. A difference (shortfall or surplus) carries a reason. The
    ``delivered`` custody scan written with it is ``scan``.
    """

    lot = models.OneToOneField(
        Lot, verbose_name=_("货批"), on_delete=models.PROTECT, related_name="delivery"
    )
    packed = models.PositiveIntegerField(_("应收件数"))
    received = models.PositiveIntegerField(_("实收件数"))
    reason = models.CharField(_("差异原因"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收货人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("收货时间"), default=timezone.now)
    key = models.UUIDField(_("客户端键"), unique=True)
    # No database constraint: PostgreSQL's foreign keys to a partitioned table must name its
    # whole primary key (id, recorded_at). Written by ``lot_deliver`` with its event, in one
    # transaction.
    scan = models.OneToOneField(
        ScanEvent,
        verbose_name=_("交付扫描"),
        on_delete=models.PROTECT,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("收货记录")
        verbose_name_plural = _("收货记录")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(received=models.F("packed")) | ~models.Q(reason=""),
                name="lot_delivery_difference_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.received}/{self.packed}"

    @property
    def shortfall(self) -> int:
        return max(self.packed - self.received, 0)

    @property
    def surplus(self) -> int:
        return max(self.received - self.packed, 0)


class PieceLoss(models.Model):
    """Pieces of a batch lost outside a ticket, with a reason: returned by a household and lost
    before packing (``household`` set), or never made at all (no household: materials short,
    spoiled). Together with tickets' losses, they let a batch account for every piece."""

    batch = models.ForeignKey(
        "orders.Batch", verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pieces = models.PositiveIntegerField(_("损耗件数"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("损耗原因"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    key = models.UUIDField(_("客户端键"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("批次损耗")
        verbose_name_plural = _("批次损耗")
        ordering = ["batch_id", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pieces__gte=1), name="piece_loss_pieces_positive"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="piece_loss_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: -{self.pieces}"


class ScanException(models.Model):
    """A scan that happened but cannot count the way the phone meant: for an operator to settle.

    Today: a material lot's arrival (``received``) scan uploaded after its batch moved on — the
    claim expired while the phone was offline and another workshop claimed the batch, or the
    lead released it, or it was cancelled (docs/orders.md, "Offline truth"). The scan is kept
    (the lot did arrive: its stage says so) and the lot stays with the workshop that has it;
    the exception marks it **for return** to the service center, and the batch's material
    balance no longer counts it. An operator resolves it with a note; nothing else changes it.
    """

    class Reason(models.TextChoices):
        BATCH_HELD_ELSEWHERE = "batch_held_elsewhere", _("批次已由其他工坊认领")
        BATCH_REOPENED = "batch_reopened", _("批次已退回待认领，不能自动恢复")
        BATCH_CANCELLED = "batch_cancelled", _("批次已取消")

    # No database constraint (see ``LotDelivery.scan``): written by the scan ingest with its
    # event, in one transaction.
    scan = models.OneToOneField(
        ScanEvent,
        verbose_name=_("扫描记录"),
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="exception",
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("货批"), on_delete=models.PROTECT, related_name="exceptions"
    )
    batch = models.ForeignKey(
        "orders.Batch", verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+"
    )
    # The workshop the lot was sent to (where it is), and the batch's holder when recorded.
    workshop = models.ForeignKey(
        "workshops.Workshop", verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="+"
    )
    holder = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("批次现属工坊"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=30, choices=Reason.choices)
    batch_status = models.CharField(_("批次状态"), max_length=20)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_note = models.CharField(_("处理说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("扫描异常")
        verbose_name_plural = _("扫描异常")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | (models.Q(resolved_by__isnull=False) & ~models.Q(resolution_note="")),
                name="scan_exception_resolution_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} · {self.reason}"


class DefectKind(models.TextChoices):
    """The defect catalogue for hand-made trimmings and knitwear."""

    LOOSE_THREAD = "loose_thread", _("线头")
    LOOSE_KNOT = "loose_knot", _("结松")
    SIZE_MISMATCH = "size_mismatch", _("尺寸不符")
    STAIN = "stain", _("污渍")
    COLOUR_DIFFERENCE = "colour_difference", _("色差")
    BROKEN = "broken", _("断线破损")
    WRONG_PATTERN = "wrong_pattern", _("花型错误")
    MISSING_PART = "missing_part", _("缺件")
    OTHER = "other", _("其他")


class DefectClass(models.TextChoices):
    CRITICAL = "critical", _("致命")
    MAJOR = "major", _("严重")
    MINOR = "minor", _("轻微")


class Inspection(models.Model):
    """A sampling inspection of one finished lot in one round; the server decides the verdict."""

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", _("接收")
        REJECTED = "rejected", _("拒收")

    class Disposition(models.TextChoices):
        NONE = "", _("无")
        SORT = "sort", _("100% 挑选")
        REWORK = "rework", _("返工重检")
        SCRAP = "scrap", _("整批判废")

    lot = models.ForeignKey(
        Lot, verbose_name=_("货批"), on_delete=models.PROTECT, related_name="inspections"
    )
    round = models.PositiveSmallIntegerField(_("送检轮次"), default=1)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("质检员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    severity = models.CharField(_("严格度"), max_length=20, choices=Severity.choices)
    level = models.CharField(_("检验水平"), max_length=3)
    aql = models.DecimalField(_("AQL"), max_digits=7, decimal_places=3)
    code_letter = models.CharField(_("样本量字码"), max_length=1)
    lot_size = models.PositiveIntegerField(_("批量"))
    sample_size = models.PositiveIntegerField(_("样本量"))
    accept = models.PositiveIntegerField(_("接收数 Ac"))
    reject = models.PositiveIntegerField(_("拒收数 Re"))
    nonconforming = models.PositiveIntegerField(_("不合格品数"), default=0)
    critical = models.PositiveIntegerField(_("致命缺陷数"), default=0)
    verdict = models.CharField(_("结论"), max_length=20, choices=Verdict.choices)
    disposition = models.CharField(
        _("处置"), max_length=20, choices=Disposition.choices, blank=True, default=""
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("检验时间"), default=timezone.now)
    # Set once the pieces of this round are decided (PieceOutcome rows written).
    decided_at = models.DateTimeField(_("判定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("检验")
        verbose_name_plural = _("检验")
        ordering = ["lot_id", "round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "round"], name="inspection_one_per_round"),
            models.CheckConstraint(
                condition=models.Q(nonconforming__lte=models.F("sample_size")),
                name="inspection_nonconforming_le_sample",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} R{self.round} {self.verdict}"


class Defect(models.Model):
    """Defective pieces of one kind and class found in the sample, maybe traced to a household."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="defects")
    kind = models.CharField(_("缺陷类型"), max_length=30, choices=DefectKind.choices)
    defect_class = models.CharField(_("缺陷等级"), max_length=20, choices=DefectClass.choices)
    count = models.PositiveIntegerField(_("件数"), validators=[MinValueValidator(1)])
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("缺陷")
        verbose_name_plural = _("缺陷")
        ordering = ["inspection_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=1), name="defect_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ×{self.count}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="inspections/%Y/%m/")
    thumbnail = models.ImageField(_("缩略图"), upload_to="inspections/%Y/%m/thumbs/")
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("缺陷照片")
        verbose_name_plural = _("缺陷照片")
        ordering = ["inspection_id", "pk"]

    def __str__(self) -> str:
        return self.image.name


class PieceOutcome(models.Model):
    """Accepted and rejected pieces of one household in one decided lot (what payouts pay).

    Written once per (inspection, household) when an inspection decides a finished lot:
    accepted on sampling, sorted 100 %, or scrapped. For each decision the rows of the lot add
    up to the lot quantity (accepted + rejected). ``is_rework`` marks pieces accepted only on
    re-inspection after rework (paid at the order's rework fee).
    """

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="outcomes")
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="outcomes")
    household = models.ForeignKey(
        "workshops.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey("orders.Batch", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    accepted = models.PositiveIntegerField(_("合格件数"), default=0)
    rejected = models.PositiveIntegerField(_("不合格件数"), default=0)
    is_rework = models.BooleanField(_("返工后合格"), default=False)
    decided_at = models.DateTimeField(_("判定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("计件结果")
        verbose_name_plural = _("计件结果")
        ordering = ["decided_at", "pk"]
        indexes = [
            models.Index(fields=["order"]),
            models.Index(fields=["household", "decided_at"]),
            models.Index(fields=["decided_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "household"], name="piece_outcome_one_per_household"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: +{self.accepted} / -{self.rejected}"


class SwitchingState(models.Model):
    """The current ISO 2859-1 severity for one workshop and product, and its counters."""

    workshop = models.ForeignKey(
        "workshops.Workshop", verbose_name=_("工坊"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.CharField(_("产品"), max_length=120)
    severity = models.CharField(
        _("严格度"), max_length=20, choices=Severity.choices, default=Severity.NORMAL
    )
    # Results of the latest original inspections under the current severity, newest last:
    # "A" accepted, "R" not accepted (at most 5 kept).
    recent = models.CharField(_("最近结果"), max_length=5, blank=True)
    consecutive_accepted = models.PositiveIntegerField(_("连续接收批数"), default=0)
    switching_score = models.PositiveIntegerField(_("转移得分"), default=0)
    tightened_rejections = models.PositiveIntegerField(_("加严下累计拒收批数"), default=0)
    stopped = models.BooleanField(_("暂停检验"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("转移规则状态")
        verbose_name_plural = _("转移规则状态")
        ordering = ["workshop_id", "product"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "product"], name="switching_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id} · {self.product} · {self.severity}"

    @property
    def reduced_eligible(self) -> bool:
        from .sampling import SWITCHING_SCORE_LIMIT

        return self.severity == Severity.NORMAL and self.switching_score >= SWITCHING_SCORE_LIMIT


class SwitchingEvent(models.Model):
    """History: each change of severity (or stop / resume) and why."""

    state = models.ForeignKey(SwitchingState, on_delete=models.CASCADE, related_name="events")
    from_severity = models.CharField(_("原严格度"), max_length=20, choices=Severity.choices)
    to_severity = models.CharField(_("新严格度"), max_length=20, choices=Severity.choices)
    stopped = models.BooleanField(_("暂停检验"), default=False)
    reason = models.CharField(_("原因"), max_length=200)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An operator's own words, when the change is theirs (``reason`` stays a machine code).
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("转移记录")
        verbose_name_plural = _("转移记录")
        ordering = ["state_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.state_id}: {self.from_severity} → {self.to_severity}"


class MaterialTolerance(models.Model):
    """How far pieces returned may fall short of materials sent, per product, before a flag."""

    product = models.CharField(_("产品"), max_length=120, unique=True)
    tolerance_percent = models.DecimalField(
        _("允差（%）"), max_digits=5, decimal_places=2, default=Decimal("2.00")
    )

    class Meta:
        verbose_name = _("物料允差")
        verbose_name_plural = _("物料允差")
        ordering = ["product"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tolerance_percent__gte=0), name="material_tolerance_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} ±{self.tolerance_percent}%"


class LabelSheet(models.Model):
    """A printable A4 PDF of many lot labels, built in the background."""

    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="+")
    lot_codes = models.JSONField(_("货批码"), default=list)
    pdf = models.FileField(_("PDF"), upload_to="labels/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("标签页")
        verbose_name_plural = _("标签页")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{len(self.lot_codes)} labels (job {self.job_id})"
