"""Reads for the workshop registry, scoped to what the viewer may see."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, scope
from core.errors import BadRequest, NotFound
from core.locales import default_language, default_time_zone, language_codes, time_zone_names

from . import cards
from .models import (
    Household,
    HouseholdConsent,
    HouseholdEvent,
    RetiredCard,
    Skill,
    Workshop,
    WorkshopCapacityChange,
    WorkshopEvent,
    WorkshopSkillChange,
)


def workshop_list(
    *,
    viewer: User,
    status: str | None = None,
    search: str = "",
    service_center_id: int | None = None,
) -> QuerySet[Workshop]:
    workshops = scope(
        Workshop.objects.select_related("organisation", "organisation__service_center", "lead"),
        viewer=viewer,
        workshop="organisation",
        service_center="organisation__service_center",
    ).annotate(
        household_count=Count("households", filter=Q(households__is_active=True)),
        pending_daily_capacity=Subquery(
            WorkshopCapacityChange.objects.filter(
                workshop=OuterRef("pk"), status=WorkshopCapacityChange.Status.PENDING
            ).values("to_capacity")[:1]
        ),
    )
    if status:
        workshops = workshops.filter(status=status)
    if service_center_id is not None:
        workshops = workshops.filter(organisation__service_center_id=service_center_id)
    if search:
        workshops = workshops.filter(
            Q(organisation__name__icontains=search)
            | Q(organisation__county__icontains=search)
            | Q(organisation__village__icontains=search)
        )
    return workshops.prefetch_related("skill_levels__skill").order_by("organisation__name", "pk")


def workshop_get(*, viewer: User, workshop_id: int) -> Workshop:
    workshop = workshop_list(viewer=viewer).filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    return workshop


def household_list(
    *, viewer: User, workshop_id: int, search: str = "", include_inactive: bool = False
) -> QuerySet[Household]:
    """A workshop's households (active ones, unless ``include_inactive``): by name, phone
    (whole or its tail) or number."""
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    households = workshop.households.prefetch_related("skill_levels__skill")
    if not include_inactive:
        households = households.filter(is_active=True)
    if search:
        match = Q(name__icontains=search) | Q(phone__endswith=search)
        if search.isdigit():
            match |= Q(pk=int(search))
        households = households.filter(match)
    return households.order_by("-is_active", "name", "pk")


def household_get(*, viewer: User, household_id: int) -> Household:
    """One household, active or not, if the viewer may see its workshop; else 404."""
    household = (
        scope(
            Household.objects.select_related("workshop__organisation"),
            viewer=viewer,
            workshop="workshop__organisation",
            service_center="workshop__organisation__service_center",
        )
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(code="household_not_found")
    return household


def card_holders(*, viewer: User, workshop_id: int) -> QuerySet[Household]:
    """The households of a workshop with their cards, for printing and re-issuing: its lead
    and operators only (a card opens a passbook; a checker has no business printing one)."""
    ensure_role(viewer, User.Role.LEAD, User.Role.OPERATOR)
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    return (
        workshop.households.filter(is_active=True)
        .select_related("workshop__organisation")
        .order_by("name", "pk")
    )


def card_holder_get(*, viewer: User, household_id: int) -> Household:
    """One household and its card (lead of its workshop, operators); else 404."""
    ensure_role(viewer, User.Role.LEAD, User.Role.OPERATOR)
    return household_get(viewer=viewer, household_id=household_id)


def retired_cards(*, household: Household) -> QuerySet[RetiredCard]:
    """A household's earlier cards, newest first (for a household the caller already holds)."""
    return household.retired_cards.select_related("retired_by").order_by("-retired_at", "-pk")


def lead_workshop_id(*, viewer: User) -> int:
    """The workshop a lead leads (its organisation's); 404 for anyone without one."""
    workshop = Workshop.objects.filter(organisation_id=viewer.organisation_id).first()
    if viewer.organisation_id is None or workshop is None:
        raise NotFound(code="workshop_not_found")
    return workshop.pk


def household_events(*, viewer: User, household_id: int) -> QuerySet[HouseholdEvent]:
    household = household_get(viewer=viewer, household_id=household_id)
    return household.events.select_related("actor").order_by("-at", "-pk")


def workshop_events(*, viewer: User, workshop_id: int) -> QuerySet[WorkshopEvent]:
    """A workshop's registration, edits, suspensions and lead changes, newest first."""
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    return workshop.events.select_related("actor", "from_lead", "to_lead").order_by("-at", "-pk")


def capacity_change_list(
    *, viewer: User, workshop_id: int, status: str | None = None
) -> QuerySet[WorkshopCapacityChange]:
    """A workshop's capacity history, newest first (its lead and operators; else 404)."""
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    changes = WorkshopCapacityChange.objects.filter(workshop=workshop)
    if status:
        changes = changes.filter(status=status)
    return changes.select_related("requested_by", "decided_by").order_by("-requested_at", "-pk")


def skill_change_list(*, viewer: User, workshop_id: int) -> QuerySet[WorkshopSkillChange]:
    """A workshop's skill history, newest first (its lead and operators; else 404)."""
    workshop = workshop_get(viewer=viewer, workshop_id=workshop_id)
    return (
        WorkshopSkillChange.objects.filter(workshop=workshop)
        .select_related("skill", "actor")
        .order_by("-at", "-pk")
    )


def skill_list(*, include_retired: bool = False) -> QuerySet[Skill]:
    """The skill catalogue (everyone signed in may read it: orders name skills by code);
    retired skills only when asked for."""
    skills = Skill.objects.order_by("code")
    return skills if include_retired else skills.filter(retired_at__isnull=True)


class CardNotFound(NotFound):
    code = "card_not_found"
    message = _("没有这张农户卡，请核对卡号。")


class CardRetired(NotFound):
    code = "card_retired"
    message = _("这张农户卡已停用（已补发新卡），请用新卡。")


class CardCodeInvalid(BadRequest):
    code = "card_code_invalid"
    message = _("卡号有误：请核对每个字符（卡号共 9 位）。")


def household_by_card(*, raw_code: str, viewer: User | None = None) -> Household:
    """The household holding the card ``raw_code`` (typed or scanned; a passbook URL works too).

    A mistyped code is 400 ``card_code_invalid`` (the check character caught it); a code never
    issued 404 ``card_not_found``; a retired card 404 ``card_retired`` (the household has a new
    one). With a ``viewer``, only a household the viewer may see is found (same 404 otherwise).
    """
    try:
        code = cards.normalise(raw_code)
    except cards.CardCodeError as error:
        raise CardCodeInvalid(detail={"reason": error.reason}) from None
    households = Household.objects.select_related("workshop__organisation")
    if viewer is not None:
        households = scope(
            households,
            viewer=viewer,
            workshop="workshop__organisation",
            service_center="workshop__organisation__service_center",
        )
    household = households.filter(card_code=code).first()
    if household is not None:
        return household
    retired = RetiredCard.objects.filter(code=code)
    if viewer is not None:
        retired = retired.filter(household__in=households)
    if retired.exists():
        raise CardRetired(detail={"code": code})
    raise CardNotFound(detail={"code": code})


def consent_in_force(*, household_ids: list[int], purpose: str) -> dict[int, HouseholdConsent]:
    """Per household, its newest consent of ``purpose`` not withdrawn (absent: none in force)."""
    consents = HouseholdConsent.objects.filter(
        household_id__in=household_ids, purpose=purpose
    ).order_by("household_id", "-given_at", "-pk")
    newest: dict[int, HouseholdConsent] = {}
    for consent in consents:
        newest.setdefault(consent.household_id, consent)
    return {hid: c for hid, c in newest.items() if c.withdrawn_at is None}


def consenting_household_ids(*, household_ids: list[int], purpose: str) -> set[int]:
    """Those of ``household_ids`` whose consent to ``purpose`` is in force."""
    return set(consent_in_force(household_ids=household_ids, purpose=purpose))


def consent_by_evidence(*, name: str) -> HouseholdConsent | None:
    """The consent whose signed paper's photo is stored under ``name`` (pages.media asks)."""
    if not name:
        return None
    return HouseholdConsent.objects.filter(evidence=name).first()


def consent_photo_visible(*, viewer: User, consent: HouseholdConsent) -> bool:
    """The household's workshop lead and operators see the photographed consent."""
    try:
        household_get(viewer=viewer, household_id=consent.household_id)
    except NotFound:
        return False
    return True


# --- language and time zone ------------------------------------------------------------------
# What a household reads and the clock it lives by: its own if set, else its workshop's; a
# value the site no longer offers falls back to the defaults (never an error on a page).


def workshop_language(workshop: Workshop) -> str:
    return workshop.language if workshop.language in language_codes() else default_language()


def workshop_time_zone(workshop: Workshop) -> str:
    return workshop.time_zone if workshop.time_zone in time_zone_names() else default_time_zone()


def household_language(household: Household) -> str:
    if household.language in language_codes():
        return household.language
    return workshop_language(household.workshop)


def household_time_zone(household: Household) -> str:
    if household.time_zone in time_zone_names():
        return household.time_zone
    return workshop_time_zone(household.workshop)


def user_time_zone(user: User) -> str:
    """The zone a signed-in person's pages show times in: their own preference, else their
    workshop's (a lead's), else the site's."""
    if user.time_zone in time_zone_names():
        return user.time_zone
    if user.organisation_id and user.role == User.Role.LEAD:
        zone = (
            Workshop.objects.filter(organisation_id=user.organisation_id)
            .values_list("time_zone", flat=True)
            .first()
        )
        if zone in time_zone_names():
            return zone
    return default_time_zone()
