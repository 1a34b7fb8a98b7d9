from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A long piece of background work (a label sheet, a payout period) and its progress.

    Kept in the database, not only in Celery's result backend, so that progress reads the same
    with a worker on Redis and with tasks run in-process, and so that it can be scoped to
    the person who started it.
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

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
