"""Runs of the smart allocation engine and the proposal it makes for each batch.

The tables were created by ``orders`` (migration 0004) before allocation became its own app;
they keep their names (``Meta.db_table``), so the move changed no row (see
``allocation/migrations/0001_initial.py``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AllocationRun(models.Model):
    """One run of the smart allocation engine (智能匹配) over the open batches."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("计算中")
        PROPOSED = "proposed", _("已提出方案")
        APPLYING = "applying", _("执行中")
        APPLIED = "applied", _("已执行")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    apply = models.BooleanField(_("直接执行"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("后台任务"), on_delete=models.SET_NULL, null=True, blank=True
    )
    batches_considered = models.PositiveIntegerField(_("参与匹配的批次"), default=0)
    assigned = models.PositiveIntegerField(_("已匹配批次"), default=0)
    unassigned = models.PositiveIntegerField(_("未能匹配批次"), default=0)
    applied = models.PositiveIntegerField(_("已执行批次"), default=0)
    skipped = models.PositiveIntegerField(_("已跳过批次"), default=0)
    excluded = models.PositiveIntegerField(_("不分配批次"), default=0)
    # The engine's cost (a ranking score in yuan-equivalents, not money paid) and a proven
    # lower bound on the best possible cost of the same run.
    total_cost = models.DecimalField(
        _("总成本"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    lower_bound = models.DecimalField(
        _("成本下界"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    stats = models.JSONField(_("运行统计"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The apply's lease: set when an apply takes the run (proposed → applying) and renewed
    # as each workshop's proposals are applied; an apply silent for longer than
    # ``services.apply.APPLY_LEASE`` is taken to have died, and another may take over.
    applying_since = models.DateTimeField(_("执行心跳"), null=True, blank=True)
    # Who confirmed the run (took it proposed → applying); the claims' events name them too.
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("执行人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("智能匹配")
        verbose_name_plural = _("智能匹配")
        db_table = "orders_allocationrun"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.status})"


class AllocationProposal(models.Model):
    """One batch of a run: the workshop proposed for it, its score and the reasons.

    An operator reviewing the run may leave a proposal out (``excluded``, with who and an
    optional reason) while the run is ``proposed``, and put it back; applying the run claims
    only what is still ``proposed``. Nothing is deleted: the record says what was left out.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("已提出")
        EXCLUDED = "excluded", _("不分配")
        APPLIED = "applied", _("已执行")
        SKIPPED = "skipped", _("已跳过")
        UNASSIGNED = "unassigned", _("未能匹配")

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="proposals")
    batch = models.ForeignKey(
        "orders.Batch", verbose_name=_("批次"), on_delete=models.CASCADE, related_name="+"
    )
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("工坊"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    score = models.DecimalField(_("成本"), max_digits=12, decimal_places=2, default=0)
    cost_per_piece = models.DecimalField(_("每件成本"), max_digits=10, decimal_places=4, default=0)
    reasons = models.JSONField(_("理由"), default=list, blank=True)
    skip_reason = models.CharField(_("跳过原因"), max_length=200, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("不分配的决定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    excluded_at = models.DateTimeField(_("不分配时间"), null=True, blank=True)
    exclude_reason = models.CharField(_("不分配原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("匹配方案")
        verbose_name_plural = _("匹配方案")
        db_table = "orders_allocationproposal"
        ordering = ["run_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "batch"], name="allocation_batch_once_per_run"),
        ]
        indexes = [
            # The review pages a run by workshop (and, through it, region) and by status.
            models.Index(fields=["run", "workshop"], name="allocation_proposal_run_ws"),
            models.Index(fields=["run", "status"], name="allocation_proposal_run_st"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.batch_id} → {self.workshop_id}"
