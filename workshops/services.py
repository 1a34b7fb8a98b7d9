"""Writes for the workshop registry."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, Forbidden, NotFound

from .models import Household, HouseholdSkill, Skill, SkillLevel, Workshop, WorkshopSkill

Role = User.Role


class UnknownSkill(BadRequest):
    code = "unknown_skill"
    message = _("技能不在目录中。")


class UnknownServiceCenter(BadRequest):
    code = "unknown_service_center"
    message = _("服务中心不存在。")


class WorkshopNameTaken(Conflict):
    code = "workshop_name_taken"
    message = _("已有同名的工坊，请换一个名称（可加上村名）。")


def skills_by_code(codes: list[str]) -> dict[str, Skill]:
    """The catalogue rows for ``codes``; any unknown code is a 400 that names it."""
    found = {skill.code: skill for skill in Skill.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise UnknownSkill(detail={"unknown": unknown})
    return found


@transaction.atomic
def workshop_create(
    *,
    actor: User,
    name: str,
    province: str,
    county: str,
    township: str = "",
    village: str = "",
    service_center_id: int,
    daily_capacity: int,
    skills: dict[str, int],
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    lead: User | None = None,
) -> Workshop:
    ensure_role(actor, Role.OPERATOR)
    center = Organisation.objects.filter(
        pk=service_center_id, kind=Organisation.Kind.SERVICE_CENTER
    ).first()
    if center is None:
        raise UnknownServiceCenter(detail={"service_center_id": service_center_id})
    catalogue = skills_by_code(list(skills))
    try:
        with transaction.atomic():  # the unique (kind, name) decides, also between two racers
            organisation = Organisation.objects.create(
                kind=Organisation.Kind.WORKSHOP,
                name=name,
                province=province,
                county=county,
                township=township,
                village=village,
                latitude=latitude,
                longitude=longitude,
                service_center=center,
            )
    except IntegrityError:
        raise WorkshopNameTaken(detail={"name": name}) from None
    workshop = Workshop.objects.create(
        organisation=organisation, daily_capacity=daily_capacity, lead=lead
    )
    WorkshopSkill.objects.bulk_create(
        WorkshopSkill(workshop=workshop, skill=catalogue[code], level=level)
        for code, level in skills.items()
    )
    return workshop


@transaction.atomic
def household_create(
    *,
    actor: User,
    workshop_id: int,
    name: str,
    members: int = 1,
    phone: str = "",
    payment_account: str = "",
    payment_account_name: str = "",
    skills: dict[str, int] | None = None,
    joined_on: date | None = None,
) -> Household:
    """An operator, or the lead of this workshop, registers a household."""
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is None or not (
        is_operator(actor) or workshop.organisation_id == actor.organisation_id
    ):
        raise NotFound(code="workshop_not_found")
    if workshop.status != Workshop.Status.ACTIVE and not is_operator(actor):
        raise Forbidden(_("工坊已暂停，不能登记新农户。"), code="workshop_suspended")
    skills = skills or {}
    catalogue = skills_by_code(list(skills))
    household = Household(
        workshop=workshop,
        name=name,
        members=members,
        phone=phone,
        payment_account=payment_account,
        payment_account_name=payment_account_name or name,
    )
    if joined_on is not None:
        household.joined_on = joined_on
    household.save()
    HouseholdSkill.objects.bulk_create(
        HouseholdSkill(household=household, skill=catalogue[code], level=SkillLevel(level))
        for code, level in skills.items()
    )
    return household


# --- Used by trainees: certification feeds the registry; a graduate becomes a lead. ---------


@transaction.atomic
def household_skill_certify(
    *, household_id: int, skill: Skill, level: int, certified_on: date
) -> HouseholdSkill:
    """A trainer certified a member of this household in ``skill`` at ``level``.

    The household's skill becomes certified at that level, never lowered (a higher declared
    level stays as declared). The workshop's skill profile is raised to at least that level
    too (added if missing): a workshop can take work that one of its certified members can do.
    """
    household = Household.objects.select_related("workshop").get(pk=household_id)
    row = (
        HouseholdSkill.objects.select_for_update().filter(household=household, skill=skill).first()
    )
    if row is None:
        row = HouseholdSkill.objects.create(
            household=household,
            skill=skill,
            level=level,
            source=HouseholdSkill.Source.CERTIFIED,
            certified_on=certified_on,
        )
    elif row.level <= level:
        HouseholdSkill.objects.filter(pk=row.pk).update(
            level=level, source=HouseholdSkill.Source.CERTIFIED, certified_on=certified_on
        )
        row.refresh_from_db()
    profile, _created = WorkshopSkill.objects.get_or_create(
        workshop=household.workshop, skill=skill, defaults={"level": level}
    )
    if profile.level < level:
        WorkshopSkill.objects.filter(pk=profile.pk, level__lt=level).update(level=level)
    return row


class LeadNotInWorkshop(BadRequest):
    code = "lead_not_in_workshop"
    message = _("带头人必须是该工坊机构的带头人账号。")


@transaction.atomic
def workshop_assign_lead(*, actor: User, workshop_id: int, lead: User) -> Workshop:
    """An operator makes ``lead`` (a lead user of the workshop's organisation) its lead."""
    ensure_role(actor, Role.OPERATOR)
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    if lead.role != Role.LEAD or lead.organisation_id != workshop.organisation_id:
        raise LeadNotInWorkshop(detail={"user": lead.username, "workshop_id": workshop_id})
    Workshop.objects.filter(pk=workshop.pk).update(lead=lead)
    workshop.lead = lead
    return workshop


# --- Suspension and capacity (orders' eligibility reads both). ---------------------------


class WorkshopStatusUnchanged(Conflict):
    code = "workshop_status_unchanged"
    message = _("工坊已经是这个状态。")


@transaction.atomic
def workshop_set_status(*, actor: User, workshop_id: int, status: str) -> Workshop:
    """An operator suspends a workshop (no new claims, no new households) or reactivates it.

    Batches it already holds stay with it: suspension stops new work, not work under way.
    """
    ensure_role(actor, Role.OPERATOR)
    if status not in Workshop.Status.values:
        raise BadRequest(code="workshop_status_invalid", detail={"status": status})
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    if workshop.status == status:
        raise WorkshopStatusUnchanged(detail={"status": status})
    Workshop.objects.filter(pk=workshop.pk).update(status=status)
    workshop.refresh_from_db()
    return workshop


@transaction.atomic
def workshop_update(
    *,
    actor: User,
    workshop_id: int,
    daily_capacity: int | None = None,
    skills: dict[str, int] | None = None,
) -> Workshop:
    """An operator, or the workshop's own lead, updates its daily capacity and skill levels.

    ``skills`` replaces the whole skill profile (code → level 1..3).
    """
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None or not (
        is_operator(actor) or workshop.organisation_id == actor.organisation_id
    ):
        raise NotFound(code="workshop_not_found")
    if daily_capacity is not None:
        if daily_capacity < 1:
            raise BadRequest(
                _("日产能必须是正整数。"),
                code="capacity_not_positive",
                detail={"daily_capacity": daily_capacity},
            )
        Workshop.objects.filter(pk=workshop.pk).update(daily_capacity=daily_capacity)
    if skills is not None:
        bad_levels = {code: lvl for code, lvl in skills.items() if lvl not in SkillLevel.values}
        if bad_levels:
            raise BadRequest(
                _("技能等级必须是 1、2 或 3。"), code="skill_level_invalid", detail=bad_levels
            )
        catalogue = skills_by_code(list(skills))
        WorkshopSkill.objects.filter(workshop=workshop).delete()
        WorkshopSkill.objects.bulk_create(
            WorkshopSkill(workshop=workshop, skill=catalogue[code], level=level)
            for code, level in skills.items()
        )
    workshop.refresh_from_db()
    return workshop
