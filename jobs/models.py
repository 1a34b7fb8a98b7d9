from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A long piece of background work (a label sheet, a payout period) and its progress.

    Kept in the database, not only in Celery's result backend, so that progress reads the same
    with a worker on Redis and with tasks run in-process, and so that it can be scoped to
    the person who started it.

    A job knows the task that runs it (``task_name``, ``task_args``), and a run proves it is
    alive by its heartbeat (``heartbeat_at``, written with every progress step): a job that
    says ``running`` but has not beaten for ``JOB_STALLED_AFTER`` lost its worker, and the
    reaper (``jobs.services.jobs_reap_stalled``) sends its task again or gives it up.
    ``attempts`` counts the runs that started; a run that finds a later attempt has begun
    stops (see ``jobs.services``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=200, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    task_name = models.CharField(_("任务名"), max_length=200, blank=True)
    task_args = models.JSONField(_("任务参数"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # the reaper's question, every minute: which running jobs stopped beating?
            models.Index(
                fields=["heartbeat_at"],
                name="job_running_heartbeat",
                condition=models.Q(status="running"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
