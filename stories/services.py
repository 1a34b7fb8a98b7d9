"""Writes for story pages: the merchant's switch per order, hang-tag codes, view counters.

- Only the order's merchant (or an operator) switches its story on or off; the switch is one
  row per order, with who and when. Off, every tag of the order answers 404 at once.
- Each finished lot of an order with its story on gets one ``StoryTag`` (created when the
  story is switched on, and for lots finished later when the merchant opens the story page or
  prints hang-tags); creating them twice makes nothing new.
- A view raises one counter row per tag and day: one UPDATE, or an INSERT the first time.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role
from orders.selectors import order_get
from quality.codes import new_code
from quality.models import Lot

from .models import OrderStory, StoryTag, StoryViewDay


@transaction.atomic
def order_story_set(*, actor: User, order_id: int, enabled: bool) -> OrderStory:
    ensure_role(actor, User.Role.MERCHANT, User.Role.OPERATOR)
    order = order_get(viewer=actor, order_id=order_id)  # 404 for another merchant's order
    story, _created = OrderStory.objects.select_for_update().get_or_create(
        order=order, defaults={"enabled": enabled, "changed_by": actor}
    )
    if story.enabled != enabled:
        story.enabled = enabled
        story.changed_by = actor
        story.changed_at = timezone.now()
        story.save(update_fields=["enabled", "changed_by", "changed_at"])
    if enabled:
        story_tags_ensure(order_id=order.pk)
    return story


def story_tags_ensure(*, order_id: int) -> int:
    """A tag for each finished lot of the order that has none; returns how many were made."""
    lots = list(
        Lot.objects.filter(batch__order_id=order_id, kind=Lot.Kind.FINISHED, story_tag=None)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    made = 0
    for lot_id in lots:
        try:
            with transaction.atomic():
                StoryTag.objects.create(lot_id=lot_id, code=new_code())
            made += 1
        except IntegrityError:  # made meanwhile by another request (or a code collided)
            if not StoryTag.objects.filter(lot_id=lot_id).exists():
                StoryTag.objects.create(lot_id=lot_id, code=new_code())
                made += 1
    return made


def story_view_record(*, tag_id: int) -> None:
    day = timezone.localdate()
    rows = StoryViewDay.objects.filter(tag_id=tag_id, day=day)
    if rows.update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            StoryViewDay.objects.create(tag_id=tag_id, day=day, views=1)
    except IntegrityError:  # the first view of the day, twice at once: the other row won
        rows.update(views=F("views") + 1)
