"""Writes for the workshop registry."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, Forbidden, NotFound

from .models import (
    Household,
    HouseholdSkill,
    Skill,
    SkillLevel,
    Workshop,
    WorkshopCapacityChange,
    WorkshopSkill,
    WorkshopSkillChange,
)

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
    village: str = "",
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
        village=village,
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
    profile, created = WorkshopSkill.objects.get_or_create(
        workshop=household.workshop, skill=skill, defaults={"level": level}
    )
    raised = not created and WorkshopSkill.objects.filter(pk=profile.pk, level__lt=level).update(
        level=level
    )
    if created or raised:
        WorkshopSkillChange.objects.create(
            workshop=household.workshop,
            skill=skill,
            from_level=None if created else profile.level,
            to_level=level,
            source=WorkshopSkillChange.Source.CERTIFICATION,
            household=household,
        )
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


# --- Skills and capacity: certification or an operator; a lead asks, within a bound. ------

# A lead's capacity increase applies at once only up to both bounds below; beyond either, it
# waits for an operator (docs/workshops.md).
PIECES_PER_HOUSEHOLD_PER_DAY = 60
CAPACITY_GROWTH_WITHOUT_CONFIRMATION = 2
MAX_DAILY_CAPACITY = 1_000_000


class LeadCannotChangeSkills(Forbidden):
    code = "workshop_skills_by_certification"
    message = _("工坊技能只能通过考核认证获得，或由平台运营登记；带头人不能修改。")


class SkillChangeReasonRequired(BadRequest):
    code = "skill_change_reason_required"
    message = _("修改工坊技能必须填写原因。")


class CapacityInvalid(BadRequest):
    code = "capacity_not_positive"
    message = _("日产能必须是 1 到 1,000,000 之间的整数。")


class CapacityChangeNotFound(NotFound):
    code = "capacity_change_not_found"
    message = _("产能变更申请不存在，或不属于您。")


class CapacityChangeNotPending(Conflict):
    code = "capacity_change_not_pending"
    message = _("该产能变更申请已处理，不能再确认或驳回。")


class CapacityDecisionReasonRequired(BadRequest):
    code = "capacity_decision_reason_required"
    message = _("驳回产能变更必须填写原因。")


def _workshop_for_update(*, actor: User, workshop_id: int) -> Workshop:
    """The workshop, locked, if ``actor`` is an operator or its own lead; else a 404."""
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None or not (
        is_operator(actor) or workshop.organisation_id == actor.organisation_id
    ):
        raise NotFound(code="workshop_not_found")
    return workshop


def capacity_bound(*, workshop: Workshop) -> int:
    """The highest capacity a lead may set without an operator's confirmation."""
    households = workshop.households.filter(is_active=True).count()
    return min(
        workshop.daily_capacity * CAPACITY_GROWTH_WITHOUT_CONFIRMATION,
        households * PIECES_PER_HOUSEHOLD_PER_DAY,
    )


def certified_skill_levels(*, workshop: Workshop) -> dict[int, int]:
    """skill id → the highest level a member household of ``workshop`` is certified at."""
    return dict(
        HouseholdSkill.objects.filter(
            household__workshop=workshop,
            household__is_active=True,
            source=HouseholdSkill.Source.CERTIFIED,
        )
        .values("skill_id")
        .annotate(top=Max("level"))
        .values_list("skill_id", "top")
    )


@transaction.atomic
def workshop_update(
    *,
    actor: User,
    workshop_id: int,
    daily_capacity: int | None = None,
    skills: dict[str, int] | None = None,
    reason: str = "",
) -> Workshop:
    """An operator, or the workshop's own lead, updates its daily capacity; an operator its skills.

    The capacity goes through ``workshop_capacity_request`` (recorded; a lead's large increase
    waits for an operator). ``skills`` is an operator's replacement of the profile, with a
    reason (``workshop_skills_set``); a lead sending skills is refused and nothing changes.
    """
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    if skills is not None:
        if not is_operator(actor):
            raise LeadCannotChangeSkills(detail={"workshop_id": workshop_id})
        workshop_skills_set(actor=actor, workshop_id=workshop.pk, skills=skills, reason=reason)
    if daily_capacity is not None:
        workshop_capacity_request(
            actor=actor, workshop_id=workshop.pk, daily_capacity=daily_capacity, reason=reason
        )
    workshop.refresh_from_db()
    return workshop


@transaction.atomic
def workshop_skills_set(
    *, actor: User, workshop_id: int, skills: dict[str, int], reason: str
) -> list[WorkshopSkillChange]:
    """An operator replaces a workshop's skill profile (code → level 1..3), with a reason.

    Certified skills stay: a skill a member household is certified in is kept at least at its
    certified level, whatever the replacement says (only certification changes those). Each
    skill that changes gets a ``WorkshopSkillChange`` row with who and why; they are returned.
    """
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise SkillChangeReasonRequired()
    bad_levels = {code: lvl for code, lvl in skills.items() if lvl not in SkillLevel.values}
    if bad_levels:
        raise BadRequest(
            _("技能等级必须是 1、2 或 3。"), code="skill_level_invalid", detail=bad_levels
        )
    catalogue = skills_by_code(list(skills))
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    current = dict(WorkshopSkill.objects.filter(workshop=workshop).values_list("skill_id", "level"))
    wanted = {catalogue[code].pk: level for code, level in skills.items()}
    for skill_id, level in certified_skill_levels(workshop=workshop).items():
        wanted[skill_id] = max(wanted.get(skill_id, 0), level)
    changes = [
        WorkshopSkillChange(
            workshop=workshop,
            skill_id=skill_id,
            from_level=current.get(skill_id),
            to_level=wanted.get(skill_id),
            source=WorkshopSkillChange.Source.OPERATOR,
            actor=actor,
            reason=reason[:200],
        )
        for skill_id in sorted(set(current) | set(wanted))
        if current.get(skill_id) != wanted.get(skill_id)
    ]
    for change in changes:
        if change.to_level is None:
            WorkshopSkill.objects.filter(workshop=workshop, skill_id=change.skill_id).delete()
        elif change.from_level is None:
            WorkshopSkill.objects.create(
                workshop=workshop, skill_id=change.skill_id, level=change.to_level
            )
        else:
            WorkshopSkill.objects.filter(workshop=workshop, skill_id=change.skill_id).update(
                level=change.to_level
            )
    return WorkshopSkillChange.objects.bulk_create(changes)


@transaction.atomic
def workshop_capacity_request(
    *, actor: User, workshop_id: int, daily_capacity: int, reason: str = ""
) -> WorkshopCapacityChange | None:
    """Change a workshop's daily capacity, recorded; a lead's large increase waits.

    An operator's change, a decrease, and a lead's increase up to ``capacity_bound`` apply at
    once. A lead's increase beyond it is ``pending``: the workshop keeps its capacity until an
    operator confirms. A new request supersedes a pending one; asking for the current capacity
    only withdraws it (no new row, returns None).
    """
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    if not 1 <= daily_capacity <= MAX_DAILY_CAPACITY:
        raise CapacityInvalid(detail={"daily_capacity": daily_capacity})
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    now = timezone.now()
    WorkshopCapacityChange.objects.filter(
        workshop=workshop, status=WorkshopCapacityChange.Status.PENDING
    ).update(
        status=WorkshopCapacityChange.Status.SUPERSEDED,
        decided_by=actor,
        decided_at=now,
    )
    if daily_capacity == workshop.daily_capacity:
        return None
    waits = (
        not is_operator(actor)
        and daily_capacity > workshop.daily_capacity
        and daily_capacity > capacity_bound(workshop=workshop)
    )
    change = WorkshopCapacityChange.objects.create(
        workshop=workshop,
        from_capacity=workshop.daily_capacity,
        to_capacity=daily_capacity,
        reason=(reason or "").strip()[:200],
        status=(
            WorkshopCapacityChange.Status.PENDING
            if waits
            else WorkshopCapacityChange.Status.APPLIED
        ),
        requested_by=actor,
        requested_at=now,
    )
    if not waits:
        Workshop.objects.filter(pk=workshop.pk).update(daily_capacity=daily_capacity)
    return change


def _capacity_decide(
    *, actor: User, workshop_id: int, change_id: int, status: str, note: str
) -> WorkshopCapacityChange:
    ensure_role(actor, Role.OPERATOR)
    change = (
        WorkshopCapacityChange.objects.select_for_update()
        .filter(pk=change_id, workshop_id=workshop_id)
        .first()
    )
    if change is None:
        raise CapacityChangeNotFound(detail={"change_id": change_id})
    won = WorkshopCapacityChange.objects.filter(
        pk=change.pk, status=WorkshopCapacityChange.Status.PENDING
    ).update(status=status, decided_by=actor, decided_at=timezone.now(), decision_note=note)
    if not won:
        raise CapacityChangeNotPending(detail={"change_id": change_id, "status": change.status})
    if status == WorkshopCapacityChange.Status.CONFIRMED:
        Workshop.objects.filter(pk=workshop_id).update(daily_capacity=change.to_capacity)
    change.refresh_from_db()
    return change


@transaction.atomic
def workshop_capacity_confirm(
    *, actor: User, workshop_id: int, change_id: int, note: str = ""
) -> WorkshopCapacityChange:
    """An operator confirms a lead's pending capacity increase: it takes effect now."""
    return _capacity_decide(
        actor=actor,
        workshop_id=workshop_id,
        change_id=change_id,
        status=WorkshopCapacityChange.Status.CONFIRMED,
        note=(note or "").strip()[:200],
    )


@transaction.atomic
def workshop_capacity_reject(
    *, actor: User, workshop_id: int, change_id: int, reason: str
) -> WorkshopCapacityChange:
    """An operator rejects a lead's pending capacity increase, saying why; nothing changes."""
    reason = (reason or "").strip()
    if not reason:
        raise CapacityDecisionReasonRequired()
    return _capacity_decide(
        actor=actor,
        workshop_id=workshop_id,
        change_id=change_id,
        status=WorkshopCapacityChange.Status.REJECTED,
        note=reason[:200],
    )
