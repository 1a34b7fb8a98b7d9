"""A roster import (``workshops/roster.py`` reads it, ``services/imports.py`` writes it): the
preview kept server-side behind a token until someone confirms it."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HouseholdImport(models.Model):
    """One uploaded roster: what the preview found, and what the confirmation wrote.

    ``rows`` holds every good row's cleaned values (with its sheet row and any likely
    duplicates), ``errors`` every refused cell (address, message); nothing reaches
    ``Household`` until the confirmation, which writes all good rows in one transaction.
    A preview not confirmed within ``ROSTER_PREVIEW_TTL_HOURS`` expires: its rows and errors
    (people's names, phones, accounts) are dropped and it can no longer be confirmed.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        CONFIRMED = "confirmed", _("已导入")
        EXPIRED = "expired", _("已过期（未确认）")

    token = models.UUIDField(_("凭据"), default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("工坊"),
        on_delete=models.PROTECT,
        related_name="household_imports",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(_("文件指纹"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    rows = models.JSONField(_("可导入的行"), default=list, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    empty_rows = models.PositiveIntegerField(_("空行"), default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("新建农户数"), default=0)
    # Sheet rows of likely duplicates written anyway, by the confirmer's explicit choice.
    included_duplicates = models.JSONField(_("确认导入的疑似重复行"), default=list, blank=True)

    class Meta:
        verbose_name = _("农户名册导入")
        verbose_name_plural = _("农户名册导入")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.workshop_id} · {self.file_name} · {self.status}"

    @property
    def duplicate_rows(self) -> list[dict]:
        return [row for row in self.rows if row["duplicates"]]

    @property
    def clean_rows(self) -> list[dict]:
        return [row for row in self.rows if not row["duplicates"]]
