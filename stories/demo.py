"""Demo: the first order with an accepted finished lot tells its story; one of the lot's
households consented (on paper) to be named on it."""

from django.conf import settings

from accounts.demo import DemoContext
from quality.models import Lot, LotShare
from workshops.models import HouseholdConsent

from .models import StoryTag
from .services import order_story_set


def _lot() -> Lot | None:
    return (
        Lot.objects.filter(kind=Lot.Kind.FINISHED, verdict=Lot.Verdict.ACCEPTED)
        .select_related("batch__order", "workshop")
        .order_by("pk")
        .first()
    )


def seed(ctx: DemoContext) -> None:
    lot = _lot()
    if lot is None:
        return
    order = lot.batch.order
    order_story_set(actor=order.created_by, order_id=order.pk, enabled=True)
    share = LotShare.objects.filter(lot=lot).select_related("household").order_by("pk").first()
    if share is not None:
        HouseholdConsent.objects.get_or_create(
            household=share.household,
            purpose=HouseholdConsent.Purpose.STORY,
            defaults={"method": HouseholdConsent.Method.PAPER, "recorded_by": lot.workshop.lead},
        )


def logins_note() -> list[str]:
    tag = StoryTag.objects.filter(lot__batch__order__story__enabled=True).order_by("pk").first()
    if tag is None:
        return []
    return [f"产品故事页 Product story (hang-tag QR, no login): {settings.SITE_URL}/t/{tag.code}"]
