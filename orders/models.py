from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InspectionLevel(models.TextChoices):
    I = "I", _("一般检验水平 I")  # noqa: E741 - the ISO 2859-1 name of the level
    II = "II", _("一般检验水平 II")
    III = "III", _("一般检验水平 III")


class Order(models.Model):
    """A merchant's piece-work order (来料加工): product, quantity and fee per piece."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")
        COMPLETED = "completed", _("已完成")

    merchant = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("商家"),
        on_delete=models.PROTECT,
        related_name="orders",
        limit_choices_to={"kind": "merchant"},
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    product_name = models.CharField(_("产品"), max_length=120)
    spec = models.TextField(_("规格与工艺要求"), blank=True)
    required_skills = models.ManyToManyField(
        "workshops.Skill", verbose_name=_("所需技能"), related_name="orders", blank=True
    )
    quantity = models.PositiveIntegerField(_("数量（件）"), validators=[MinValueValidator(1)])
    fee_per_piece = models.DecimalField(
        _("加工费（元/件）"),
        max_digits=10,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    # Rework that later passes is paid at this fee; empty means the full fee.
    rework_fee_per_piece = models.DecimalField(
        _("返工加工费（元/件）"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    standard_minutes = models.DecimalField(
        _("标准工时（分钟/件）"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    deadline = models.DateField(_("交货日期"))
    batch_size = models.PositiveIntegerField(_("每批件数"), validators=[MinValueValidator(1)])
    aql = models.DecimalField(_("AQL"), max_digits=7, decimal_places=3, default=Decimal("2.5"))
    inspection_level = models.CharField(
        _("检验水平"), max_length=3, choices=InspectionLevel.choices, default=InspectionLevel.II
    )
    # The cooperation region the merchant sends materials to (送料上门): when set, only
    # workshops served by this service center may take its batches.
    service_center = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("目标服务中心"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targeted_orders",
        limit_choices_to={"kind": "service_center"},
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Fair-pay hint at publication: what the fee implies per hour, the minimum it was compared
    # with, and who acknowledged publishing below it (empty when at or above the minimum).
    fair_pay_hourly = models.DecimalField(
        _("折合时薪（元/小时）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fair_pay_minimum = models.ForeignKey(
        "orders.MinimumWage",
        verbose_name=_("对照的最低小时工资"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fair_pay_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("低于最低工资确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fair_pay_acknowledged_at = models.DateTimeField(
        _("低于最低工资确认时间"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    # Set by the completion rule (every batch closed or cancelled), never by hand.
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["merchant", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="order_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(batch_size__gte=1), name="order_batch_size_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(batch_size__lte=models.F("quantity")),
                name="order_batch_size_le_quantity",
            ),
            models.CheckConstraint(
                condition=models.Q(fee_per_piece__gt=0), name="order_fee_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} ×{self.quantity}"

    @property
    def rework_fee(self) -> Decimal:
        return (
            self.fee_per_piece if self.rework_fee_per_piece is None else self.rework_fee_per_piece
        )


class OrderEvent(models.Model):
    """One row per status change of an order made by a rule (today: completion): who, when, why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=Order.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Order.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("订单事件")
        verbose_name_plural = _("订单事件")
        ordering = ["order_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class MinimumWage(models.Model):
    """The minimum hourly wage of a province, kept by operators, with where the value comes from.

    The fair-pay hint compares an order's implied hourly earnings with the newest row of the
    province (effective on or before today).
    """

    province = models.CharField(_("省"), max_length=40)
    hourly = models.DecimalField(
        _("最低小时工资（元）"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    tier = models.CharField(_("档次"), max_length=60, blank=True)
    effective_from = models.DateField(_("执行日期"))
    source = models.CharField(_("来源"), max_length=300)
    source_url = models.URLField(_("来源链接"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("最低小时工资")
        verbose_name_plural = _("最低小时工资")
        ordering = ["province", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "effective_from"], name="minimum_wage_unique_per_date"
            ),
            models.CheckConstraint(condition=models.Q(hourly__gt=0), name="minimum_wage_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.hourly} ({self.effective_from})"


def order_photo_path(photo: "OrderPhoto", filename: str) -> str:
    return f"orders/{photo.order_id}/{filename}"


class OrderPhoto(models.Model):
    """A sample photo of the product: re-encoded without EXIF, resized, with a phone thumbnail."""

    order = models.ForeignKey(
        Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("图片"), upload_to=order_photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=order_photo_path)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    caption = models.CharField(_("说明"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("样品照片")
        verbose_name_plural = _("样品照片")
        ordering = ["order_id", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.image.name}"


class Batch(models.Model):
    """The unit of assignment: a slice of an order given to one workshop."""

    class Status(models.TextChoices):
        OPEN = "open", _("待认领")
        CLAIMED = "claimed", _("已认领")
        IN_PRODUCTION = "in_production", _("生产中")
        RETURNED = "returned", _("已交回")
        INSPECTED = "inspected", _("已检验")
        CLOSED = "closed", _("已完结")
        CANCELLED = "cancelled", _("已取消")

    order = models.ForeignKey(
        Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="batches"
    )
    number = models.PositiveIntegerField(_("批次号"))
    quantity = models.PositiveIntegerField(_("件数"), validators=[MinValueValidator(1)])
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("工坊"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认领人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    # When the lead was warned that the claim is about to expire (once per claim).
    claim_warned_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    production_started_at = models.DateTimeField(_("开工时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["order_id", "number"]
        indexes = [models.Index(fields=["workshop", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "number"], name="batch_number_unique_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="batch_quantity_positive"
            ),
            # An open (or cancelled-before-claim) batch has no workshop; a held batch has one.
            models.CheckConstraint(
                condition=models.Q(status="open", workshop__isnull=True)
                | models.Q(status="cancelled")
                | (~models.Q(status__in=["open", "cancelled"]) & models.Q(workshop__isnull=False)),
                name="batch_workshop_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.product_name} #{self.number}"


# The batch pipeline as data (django-oscar style): status → statuses it may move to.
BATCH_TRANSITIONS: dict[str, set[str]] = {
    Batch.Status.OPEN: {Batch.Status.CLAIMED, Batch.Status.CANCELLED},
    Batch.Status.CLAIMED: {Batch.Status.OPEN, Batch.Status.IN_PRODUCTION, Batch.Status.CANCELLED},
    Batch.Status.IN_PRODUCTION: {Batch.Status.RETURNED},
    Batch.Status.RETURNED: {Batch.Status.INSPECTED, Batch.Status.IN_PRODUCTION},
    Batch.Status.INSPECTED: {Batch.Status.CLOSED, Batch.Status.IN_PRODUCTION},
    Batch.Status.CLOSED: set(),
    Batch.Status.CANCELLED: set(),
}


class BatchEvent(models.Model):
    """One row per status change of a batch: who, when, from, to, why."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=Batch.Status.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=Batch.Status.choices)
    workshop = models.ForeignKey(
        "workshops.Workshop", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("批次事件")
        verbose_name_plural = _("批次事件")
        ordering = ["batch_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.from_status} → {self.to_status}"


class Ticket(models.Model):
    """A work ticket (派工单): pieces of a batch handed to one household, and what came back."""

    batch = models.ForeignKey(
        Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="tickets"
    )
    household = models.ForeignKey(
        "workshops.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    issued = models.PositiveIntegerField(_("发放件数"), validators=[MinValueValidator(1)])
    returned = models.PositiveIntegerField(_("交回件数"), default=0)
    lost = models.PositiveIntegerField(_("损耗件数"), default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("发放时间"), default=timezone.now)
    # A phone may send the same write twice (poor signal): the client's key makes it count once.
    idempotency_key = models.UUIDField(_("幂等键"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("派工单")
        verbose_name_plural = _("派工单")
        ordering = ["batch_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(issued__gte=1), name="ticket_issued_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(returned__lte=models.F("issued") - models.F("lost")),
                name="ticket_returned_plus_lost_le_issued",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} → {self.household} ×{self.issued}"

    @property
    def outstanding(self) -> int:
        return self.issued - self.returned - self.lost


class TicketReturn(models.Model):
    """One hand-back of pieces on a ticket (a household may return in several goes)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="returns")
    returned = models.PositiveIntegerField(_("交回件数"), default=0)
    lost = models.PositiveIntegerField(_("损耗件数"), default=0)
    loss_reason = models.CharField(_("损耗原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    idempotency_key = models.UUIDField(_("幂等键"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("交回记录")
        verbose_name_plural = _("交回记录")
        ordering = ["ticket_id", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(returned__gt=0) | models.Q(lost__gt=0),
                name="ticket_return_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(lost=0) | ~models.Q(loss_reason=""),
                name="ticket_loss_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: +{self.returned} / -{self.lost}"


def pending_photo_path(photo: "PendingPhoto", filename: str) -> str:
    return f"pending/{photo.token}/{filename}"


class PendingPhoto(models.Model):
    """A sample photo chosen on the order form, kept while the form comes back for another
    answer (the fair-pay acknowledgement): a browser cannot re-send a file it was sent back.

    Already cleaned (no EXIF, resized), tied to the person who chose it, used once (it becomes
    an ``OrderPhoto``) or purged after ``PENDING_PHOTO_TTL_HOURS`` by a beat task. Never served.
    """

    token = models.UUIDField(_("凭据"), unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    image = models.ImageField(_("图片"), upload_to=pending_photo_path)
    original_name = models.CharField(_("原文件名"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("待用样品照片")
        verbose_name_plural = _("待用样品照片")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.original_name or self.token}"


class TicketReturnCorrection(models.Model):
    """A correction of the pieces recorded as returned on a ticket: a new entry, never an edit.

    A wrong hand-back stays as it was recorded; this row says by how much the returned count
    was wrong (−N or +N), who said so, when and why, and the ticket's total takes it in.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="corrections")
    returned_change = models.IntegerField(_("交回件数更正"))
    reason = models.CharField(_("更正原因"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    idempotency_key = models.UUIDField(_("幂等键"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("交回更正")
        verbose_name_plural = _("交回更正")
        ordering = ["ticket_id", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(returned_change=0), name="ticket_correction_not_zero"
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="ticket_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.returned_change:+d}"
