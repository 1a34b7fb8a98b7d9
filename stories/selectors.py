"""Reads for story pages. ``story_get`` is public (no viewer): everything it returns is about
the product, the place and the money, never a person, except the names of households whose
consent to be named (purpose "story") is in force when the page is read."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import NotFound
from orders.models import OrderPhoto
from orders.selectors import order_get
from payouts.reporting import configured_households_share, households_share, public_impact
from quality.models import Lot, LotShare, ScanEvent
from workshops.models import Household, HouseholdConsent
from workshops.selectors import consenting_household_ids

from .models import OrderStory, StoryTag


class StoryNotFound(NotFound):
    code = "story_not_found"
    message = _("没有这个产品故事：吊牌码有误，或商家未公开。")


@dataclass(frozen=True)
class JourneyStep:
    action: str
    label: str
    at: datetime
    place: str


@dataclass
class Story:
    code: str
    product: str
    photo: OrderPhoto | None
    province: str
    county: str
    village: str
    workshop: str
    pieces: int
    households: int
    named: list[str]
    fee_per_piece: Decimal
    households_share: Decimal | None  # a fraction of the fee
    share_is_paid: bool  # from locked periods (else: the workshop's share settings)
    verdict: str
    verdict_label: str
    inspected_on: date | None
    journey: list[JourneyStep] = field(default_factory=list)
    households_earning: int = 0
    paid_fen: int = 0
    tag_id: int = 0


def _place(user: User | None) -> str:
    """Where a hand-over happened, at the level of an organisation and its county."""
    org = getattr(user, "organisation", None)
    if org is None:
        return ""
    if org.kind == org.Kind.WORKSHOP:
        return " · ".join(p for p in (org.county, org.village) if p)
    return " · ".join(p for p in (org.county, org.name) if p)


def story_get(*, code: str) -> Story:
    """The public story of one hang-tag; 404 unless its order's story is switched on."""
    tag = (
        StoryTag.objects.select_related(
            "lot__batch__order", "lot__workshop__organisation", "lot__batch__order__story"
        )
        .filter(code=code.strip().upper())
        .first()
    )
    if tag is None:
        raise StoryNotFound()
    lot: Lot = tag.lot
    order = lot.batch.order
    story = getattr(order, "story", None)
    if story is None or not story.enabled:
        raise StoryNotFound()
    workshop = lot.workshop
    org = workshop.organisation
    household_ids = list(LotShare.objects.filter(lot=lot).values_list("household_id", flat=True))
    consenting = consenting_household_ids(
        household_ids=household_ids, purpose=HouseholdConsent.Purpose.STORY
    )
    named = list(
        Household.objects.filter(pk__in=consenting).order_by("name").values_list("name", flat=True)
    )
    paid = households_share(order_id=order.pk, workshop_id=workshop.pk)
    if paid is not None:
        share = Decimal(paid[0]) / Decimal(paid[1])
    else:
        share = configured_households_share(workshop_id=workshop.pk, fee=order.fee_per_piece)
    inspection = (
        lot.inspections.exclude(decided_at=None)
        .select_related("checker__organisation")
        .order_by("-round")
        .first()
    )
    scans = (
        # Bounded by the lot's making: the scan partitions before it are never opened.
        ScanEvent.objects.filter(lot=lot, applied=True, recorded_at__gte=lot.created_at)
        .select_related("actor__organisation")
        .order_by("device_time", "pk")
    )
    journey = [
        JourneyStep(
            action=scan.action,
            label=str(ScanEvent.Action(scan.action).label),
            at=scan.device_time,
            place=_place(scan.actor),
        )
        for scan in scans
    ]
    if inspection is not None and not any(s.action == ScanEvent.Action.INSPECTED for s in journey):
        journey.append(
            JourneyStep(
                action=ScanEvent.Action.INSPECTED,
                label=str(ScanEvent.Action.INSPECTED.label),
                at=inspection.decided_at,
                place=_place(inspection.checker),
            )
        )
        journey.sort(key=lambda step: step.at)
    households_earning, paid_fen = public_impact()
    return Story(
        code=tag.code,
        product=order.product_name,
        photo=order.photos.order_by("pk").first(),
        province=org.province,
        county=org.county,
        village=org.village,
        workshop=org.name,
        pieces=lot.quantity,
        households=len(household_ids),
        named=named,
        fee_per_piece=order.fee_per_piece,
        households_share=share,
        share_is_paid=paid is not None,
        verdict=lot.verdict,
        verdict_label=str(Lot.Verdict(lot.verdict).label),
        inspected_on=inspection.decided_at.date() if inspection else None,
        journey=journey,
        households_earning=households_earning,
        paid_fen=paid_fen,
        tag_id=tag.pk,
    )


@dataclass(frozen=True)
class TagRow:
    lot_code: str
    tag_code: str
    quantity: int
    verdict: str
    views: int


@dataclass
class OrderStoryPage:
    order_id: int
    product: str
    enabled: bool
    tags: list[TagRow]
    views: int


def order_story_page(*, viewer: User, order_id: int) -> OrderStoryPage:
    """The merchant's view of an order's story: the switch, its tags and their views."""
    order = order_get(viewer=viewer, order_id=order_id)
    story = OrderStory.objects.filter(order=order).first()
    tags = (
        StoryTag.objects.filter(lot__batch__order=order)
        .select_related("lot")
        .annotate(total_views=Sum("views__views"))
        .order_by("lot__pk")
    )
    rows = [
        TagRow(
            lot_code=tag.lot.code,
            tag_code=tag.code,
            quantity=tag.lot.quantity,
            verdict=str(Lot.Verdict(tag.lot.verdict).label),
            views=tag.total_views or 0,
        )
        for tag in tags
    ]
    return OrderStoryPage(
        order_id=order.pk,
        product=order.product_name,
        enabled=bool(story and story.enabled),
        tags=rows,
        views=sum(r.views for r in rows),
    )


def story_tag_for_lot(*, viewer: User, order_id: int, lot_code: str) -> StoryTag:
    order = order_get(viewer=viewer, order_id=order_id)
    tag = (
        StoryTag.objects.select_related("lot__batch__order")
        .filter(lot__batch__order=order, lot__code=lot_code.strip().upper())
        .first()
    )
    if tag is None:
        raise StoryNotFound()
    return tag
