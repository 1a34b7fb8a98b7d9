"""The story behind each piece: a public page behind the QR on a product's hang-tag.

A merchant switches the story on per order (``OrderStory``); each finished lot of the order
gets a ``StoryTag``, whose short code is the hang-tag's QR (``/t/<code>``). The page says what
was made where, by how many households, for how much, how it was inspected and how it
travelled, and never names a household that did not consent (``workshops.HouseholdConsent``,
purpose "story"). ``StoryViewDay`` counts the page's views per tag and day for the merchant.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderStory(models.Model):
    """Whether an order's story pages are public; who switched it last and when."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("订单"), on_delete=models.CASCADE, related_name="story"
    )
    enabled = models.BooleanField(_("公开故事页"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("订单故事页")
        verbose_name_plural = _("订单故事页")

    def __str__(self) -> str:
        return f"{self.order_id}: {'on' if self.enabled else 'off'}"


class StoryTag(models.Model):
    """A finished lot's hang-tag code: 8 random Crockford characters and a check character
    (``quality.codes``), distinct from the lot's own custody code, which stays off the tag."""

    lot = models.OneToOneField(
        "quality.Lot", verbose_name=_("货批"), on_delete=models.PROTECT, related_name="story_tag"
    )
    code = models.CharField(_("吊牌码"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("吊牌码")
        verbose_name_plural = _("吊牌码")

    def __str__(self) -> str:
        return self.code


class StoryViewDay(models.Model):
    """Views of one tag's story page on one day (a counter, raised with one UPDATE)."""

    tag = models.ForeignKey(StoryTag, on_delete=models.CASCADE, related_name="views")
    day = models.DateField(_("日期"))
    views = models.PositiveIntegerField(_("浏览次数"), default=0)

    class Meta:
        verbose_name = _("故事页浏览")
        verbose_name_plural = _("故事页浏览")
        constraints = [models.UniqueConstraint(fields=["tag", "day"], name="story_view_day")]

    def __str__(self) -> str:
        return f"{self.tag_id} {self.day}: {self.views}"
