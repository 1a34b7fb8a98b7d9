"""Writes for the workshop registry."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator
from accounts.services import user_deactivate, user_invite
from core.errors import BadRequest, Conflict, Forbidden, NotFound
from core.privacy import mask_account, mask_phone

from .models import (
    Household,
    HouseholdEvent,
    HouseholdSkill,
    Skill,
    SkillLevel,
    Workshop,
    WorkshopCapacityChange,
    WorkshopEvent,
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


class SkillRetired(BadRequest):
    code = "skill_retired"
    message = _("该技能已停用，不能再选用。")


def skills_by_code(codes: list[str], *, allow_retired: bool = False) -> dict[str, Skill]:
    """The catalogue rows for ``codes``; an unknown code, or a retired one (unless
    ``allow_retired``), is a 400 that names it."""
    found = {skill.code: skill for skill in Skill.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise UnknownSkill(detail={"unknown": unknown})
    retired = sorted(code for code, skill in found.items() if skill.retired_at is not None)
    if retired and not allow_retired:
        raise SkillRetired(detail={"retired": retired})
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
    key: uuid.UUID | None = None,
) -> Workshop:
    """An operator registers a workshop: its organisation (under a service center), capacity
    and first skill profile. A repeat with the same ``key`` returns the same workshop."""
    ensure_role(actor, Role.OPERATOR)
    if (replay := _workshop_by_key(key)) is not None:
        return replay
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
                creation_key=key,
            )
    except IntegrityError:
        if (replay := _workshop_by_key(key)) is not None:
            return replay
        raise WorkshopNameTaken(detail={"name": name}) from None
    workshop = Workshop.objects.create(
        organisation=organisation, daily_capacity=daily_capacity, lead=lead
    )
    WorkshopEvent.objects.create(
        workshop=workshop, kind=WorkshopEvent.Kind.CREATED, actor=actor, to_lead=lead
    )
    WorkshopSkill.objects.bulk_create(
        WorkshopSkill(workshop=workshop, skill=catalogue[code], level=level)
        for code, level in skills.items()
    )
    return workshop


def _workshop_by_key(key: uuid.UUID | None) -> Workshop | None:
    if key is None:
        return None
    return Workshop.objects.filter(organisation__creation_key=key).first()


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
    key: uuid.UUID | None = None,
) -> Household:
    """An operator, or the lead of this workshop, registers a household. A repeat with the
    same ``key`` (the form's) returns the household it made."""
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    if key is not None and (replay := Household.objects.filter(creation_key=key).first()):
        if replay.workshop_id != workshop_id:
            raise Conflict(code="key_reused", detail={"key": str(key)})
        return replay
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
        creation_key=key,
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


@transaction.atomic
def household_skill_decertify(
    *,
    household_id: int,
    skill: Skill,
    remaining: tuple[int, date] | None,
    actor: User,
    reason: str,
) -> None:
    """A certificate of a member of this household was revoked (trainees decides; ``remaining``
    is the best certificate still standing for this household and skill, level and date).

    The household's certified skill falls back to ``remaining``, or is removed when nothing
    certifies it any more (a level it had declared higher was never touched, and stays). The
    workshop's profile then falls back to what it was before certifications raised it (the
    history's trailing run of certification rows: an operator's later change stands), but not
    below what its members are still certified in. A change is a ``WorkshopSkillChange`` with
    source ``revoked``, who and why.
    """
    household = Household.objects.select_related("workshop").get(pk=household_id)
    workshop = Workshop.objects.select_for_update().get(pk=household.workshop_id)
    row = (
        HouseholdSkill.objects.select_for_update()
        .filter(household=household, skill=skill, source=HouseholdSkill.Source.CERTIFIED)
        .first()
    )
    if row is not None:
        if remaining is None:
            HouseholdSkill.objects.filter(pk=row.pk).delete()
        else:
            level, certified_on = remaining
            HouseholdSkill.objects.filter(pk=row.pk).update(level=level, certified_on=certified_on)
    history = list(
        WorkshopSkillChange.objects.filter(workshop=workshop, skill=skill).order_by("-at", "-pk")
    )
    certification_sources = {
        WorkshopSkillChange.Source.CERTIFICATION,
        WorkshopSkillChange.Source.CERTIFICATION_REVOKED,
    }
    trailing = []
    for change in history:
        if change.source not in certification_sources:
            break
        trailing.append(change)
    if not trailing:
        return  # the current level is an operator's (or the workshop's own from the start)
    base = trailing[-1].from_level  # before the first certification of the run
    certified = certified_skill_levels(workshop=workshop).get(skill.pk)
    wanted = max((lvl for lvl in (base, certified) if lvl is not None), default=None)
    profile = WorkshopSkill.objects.filter(workshop=workshop, skill=skill).first()
    current = profile.level if profile is not None else None
    if wanted == current:
        return
    if wanted is None:
        WorkshopSkill.objects.filter(pk=profile.pk).delete()
    elif profile is None:
        WorkshopSkill.objects.create(workshop=workshop, skill=skill, level=wanted)
    else:
        WorkshopSkill.objects.filter(pk=profile.pk).update(level=wanted)
    WorkshopSkillChange.objects.create(
        workshop=workshop,
        skill=skill,
        from_level=current,
        to_level=wanted,
        source=WorkshopSkillChange.Source.CERTIFICATION_REVOKED,
        actor=actor,
        household=household,
        reason=reason[:200],
    )


class LeadNotInWorkshop(BadRequest):
    code = "lead_not_in_workshop"
    message = _("带头人必须是该工坊机构在用的带头人账号。")


class LeadChangeReasonRequired(BadRequest):
    code = "lead_change_reason_required"
    message = _("更换带头人必须填写原因。")


class LeadChoice(BadRequest):
    code = "lead_choice"
    message = _("请选一位已有的带头人，或新建一个带头人账号（二选一）。")


class LeadUnchanged(Conflict):
    code = "lead_unchanged"
    message = _("此人已经是该工坊的带头人。")


@transaction.atomic
def workshop_assign_lead(*, actor: User, workshop_id: int, lead: User, reason: str) -> Workshop:
    """An operator makes ``lead`` (an active lead user of the workshop's organisation) its lead.

    The previous lead, if another person, loses the workshop: their login is deactivated
    (sessions and tokens end), since a lead sees what their organisation owns. Recorded as a
    ``WorkshopEvent`` with who and why. Assigning the lead it already has changes nothing.
    """
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise LeadChangeReasonRequired()
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    if (
        lead.role != Role.LEAD
        or lead.organisation_id != workshop.organisation_id
        or not lead.is_active
    ):
        raise LeadNotInWorkshop(detail={"user": lead.username, "workshop_id": workshop_id})
    previous = workshop.lead
    if previous is not None and previous.pk == lead.pk:
        return workshop
    won = Workshop.objects.filter(pk=workshop.pk, lead=previous).update(lead=lead)
    if not won:  # pragma: no cover - the row is locked above
        raise Conflict(code="workshop_lead_changed")
    WorkshopEvent.objects.create(
        workshop=workshop,
        kind=WorkshopEvent.Kind.LEAD_ASSIGNED,
        actor=actor,
        from_lead=previous,
        to_lead=lead,
        reason=reason[:200],
    )
    if previous is not None:
        user_deactivate(user=previous)
    workshop.lead = lead
    return workshop


@transaction.atomic
def workshop_lead_replace(
    *,
    actor: User,
    workshop_id: int,
    reason: str,
    user_id: int | None = None,
    new_lead: dict[str, Any] | None = None,
    send_sms: bool = False,
) -> tuple[Workshop, str | None]:
    """An operator assigns or replaces a workshop's lead: an existing lead user of its
    organisation (``user_id``) or a new one (``new_lead``: username, display_name, phone,
    key), who gets a one-time set-password link. Returns the workshop and that link's path
    (None for an existing user). The old lead loses the workshop (``workshop_assign_lead``).
    """
    ensure_role(actor, Role.OPERATOR)
    if (user_id is None) == (new_lead is None):
        raise LeadChoice()
    if not (reason or "").strip():
        raise LeadChangeReasonRequired()
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    link = None
    if new_lead is not None:
        lead, link = user_invite(
            actor=actor,
            role=Role.LEAD,
            organisation_id=workshop.organisation_id,
            send_sms=send_sms,
            **new_lead,
        )
    else:
        lead = User.objects.filter(pk=user_id).first()
        if lead is None:
            raise LeadNotInWorkshop(detail={"user_id": user_id, "workshop_id": workshop_id})
        if workshop.lead_id == lead.pk:
            raise LeadUnchanged(detail={"user_id": user_id})
    workshop = workshop_assign_lead(actor=actor, workshop_id=workshop.pk, lead=lead, reason=reason)
    return workshop, link


# --- Suspension and capacity (orders' eligibility reads both). ---------------------------


class WorkshopStatusUnchanged(Conflict):
    code = "workshop_status_unchanged"
    message = _("工坊已经是这个状态。")


@transaction.atomic
def workshop_set_status(
    *, actor: User, workshop_id: int, status: str, reason: str = ""
) -> Workshop:
    """An operator suspends a workshop (no new claims, no new households) or reactivates it.

    Batches it already holds stay with it: suspension stops new work, not work under way.
    The move is a conditional update from the other status, recorded with who and why.
    """
    ensure_role(actor, Role.OPERATOR)
    if status not in Workshop.Status.values:
        raise BadRequest(code="workshop_status_invalid", detail={"status": status})
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    won = Workshop.objects.filter(pk=workshop.pk).exclude(status=status).update(status=status)
    if not won:
        raise WorkshopStatusUnchanged(detail={"status": status})
    WorkshopEvent.objects.create(
        workshop=workshop,
        kind=(
            WorkshopEvent.Kind.SUSPENDED
            if status == Workshop.Status.SUSPENDED
            else WorkshopEvent.Kind.ACTIVATED
        ),
        actor=actor,
        reason=(reason or "").strip()[:200],
    )
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
    **profile: Any,
) -> Workshop:
    """An operator, or the workshop's own lead, updates its daily capacity; an operator its skills
    and particulars (``profile``: name, place, service center; ``workshop_profile_update``).

    The capacity goes through ``workshop_capacity_request`` (recorded; a lead's large increase
    waits for an operator). ``skills`` is an operator's replacement of the profile, with a
    reason (``workshop_skills_set``); a lead sending skills is refused and nothing changes.
    """
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    if skills is not None and not is_operator(actor):
        raise LeadCannotChangeSkills(detail={"workshop_id": workshop_id})
    profile = {name: value for name, value in profile.items() if value is not None}
    if profile:
        ensure_role(actor, Role.OPERATOR)
        workshop_profile_update(actor=actor, workshop_id=workshop.pk, **profile)
    if skills is not None:
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
    catalogue = skills_by_code(list(skills), allow_retired=True)
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    current = dict(WorkshopSkill.objects.filter(workshop=workshop).values_list("skill_id", "level"))
    # A retired skill the workshop has may stay; none may be added.
    added_retired = sorted(
        code
        for code, skill in catalogue.items()
        if skill.retired_at is not None and skill.pk not in current
    )
    if added_retired:
        raise SkillRetired(detail={"retired": added_retired})
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


# --- An operator keeps the registry: a workshop's particulars, households, the catalogue. ---

WORKSHOP_PROFILE_FIELDS = (
    "name",
    "province",
    "county",
    "township",
    "village",
    "latitude",
    "longitude",
    "service_center_id",
)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    return {
        name: [_plain(before[name]), _plain(value)]
        for name, value in after.items()
        if before[name] != value
    }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | date) else value


@transaction.atomic
def workshop_profile_update(*, actor: User, workshop_id: int, **fields: Any) -> Workshop:
    """An operator corrects a workshop's name, place or service center; recorded as an event
    with each field's before and after. (Capacity and skills have their own rules.)"""
    ensure_role(actor, Role.OPERATOR)
    unknown = set(fields) - set(WORKSHOP_PROFILE_FIELDS)
    if unknown:
        raise BadRequest(detail={"unknown_fields": sorted(unknown)})
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    organisation = Organisation.objects.select_for_update().get(pk=workshop.organisation_id)
    values = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "service_center_id" in values:
        center_id = values["service_center_id"]
        if not Organisation.objects.filter(
            pk=center_id, kind=Organisation.Kind.SERVICE_CENTER
        ).exists():
            raise UnknownServiceCenter(detail={"service_center_id": center_id})
    before = {name: getattr(organisation, name) for name in values}
    changes = _changes(before, values)
    if not changes:
        return workshop
    try:
        with transaction.atomic():
            Organisation.objects.filter(pk=organisation.pk).update(**values)
    except IntegrityError:
        raise WorkshopNameTaken(detail={"name": values.get("name")}) from None
    WorkshopEvent.objects.create(
        workshop=workshop, kind=WorkshopEvent.Kind.EDITED, actor=actor, changes=changes
    )
    workshop.refresh_from_db()
    return workshop


HOUSEHOLD_FIELDS = ("name", "members", "phone", "payment_account", "payment_account_name")
_MASKED = {"phone": mask_phone, "payment_account": mask_account}


class HouseholdNotFound(NotFound):
    code = "household_not_found"
    message = _("农户不存在。")


class HouseholdStatusUnchanged(Conflict):
    code = "household_status_unchanged"
    message = _("农户已经是这个状态。")


class HouseholdReasonRequired(BadRequest):
    code = "household_reason_required"
    message = _("停用农户必须填写原因。")


def _household_for_update(*, household_id: int) -> Household:
    household = Household.objects.select_for_update().filter(pk=household_id).first()
    if household is None:
        raise HouseholdNotFound(detail={"household_id": household_id})
    return household


@transaction.atomic
def household_update(
    *, actor: User, household_id: int, reason: str = "", **fields: Any
) -> Household:
    """An operator corrects a household's name, members, phone or payment account.

    Each change is a ``HouseholdEvent`` with the fields' before and after (phone and account
    masked: the event is a record of the change, not a second copy of the numbers).
    """
    ensure_role(actor, Role.OPERATOR)
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise BadRequest(detail={"unknown_fields": sorted(unknown)})
    household = _household_for_update(household_id=household_id)
    values = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    before = {name: getattr(household, name) for name in values}
    changed = {name for name, value in values.items() if before[name] != value}
    if not changed:
        return household
    Household.objects.filter(pk=household.pk).update(**{n: values[n] for n in changed})
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.EDITED,
        actor=actor,
        reason=(reason or "").strip()[:200],
        changes={
            name: [
                _MASKED.get(name, _plain)(before[name]),
                _MASKED.get(name, _plain)(values[name]),
            ]
            for name in sorted(changed)
        },
    )
    household.refresh_from_db()
    return household


@transaction.atomic
def household_set_active(
    *, actor: User, household_id: int, active: bool, reason: str = ""
) -> Household:
    """An operator deactivates a household (it leaves the lists and pickers; its tickets,
    lots and payouts stay) or takes it back. Never a delete. Deactivation needs a reason."""
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not active and not reason:
        raise HouseholdReasonRequired()
    household = _household_for_update(household_id=household_id)
    won = Household.objects.filter(pk=household.pk, is_active=not active).update(is_active=active)
    if not won:
        raise HouseholdStatusUnchanged(detail={"is_active": active})
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.REACTIVATED if active else HouseholdEvent.Kind.DEACTIVATED,
        actor=actor,
        reason=reason[:200],
    )
    household.refresh_from_db()
    return household


class SkillCodeTaken(Conflict):
    code = "skill_code_taken"
    message = _("已有这个代码的技能。")


class SkillNotFound(NotFound):
    code = "skill_not_found"
    message = _("技能不存在。")


class SkillAlreadyRetired(Conflict):
    code = "skill_already_retired"
    message = _("该技能已经停用。")


@transaction.atomic
def skill_create(
    *, actor: User, code: str, name: str, name_en: str = "", key: uuid.UUID | None = None
) -> Skill:
    """An operator adds a skill to the catalogue (its code is for ever; its name may change)."""
    ensure_role(actor, Role.OPERATOR)
    if key is not None and (replay := Skill.objects.filter(creation_key=key).first()):
        return replay
    try:
        with transaction.atomic():
            return Skill.objects.create(
                code=code, name=name.strip(), name_en=name_en.strip(), creation_key=key
            )
    except IntegrityError:
        if key is not None and (replay := Skill.objects.filter(creation_key=key).first()):
            return replay
        raise SkillCodeTaken(detail={"code": code}) from None


def _skill_for_update(code: str) -> Skill:
    skill = Skill.objects.select_for_update().filter(code=code).first()
    if skill is None:
        raise SkillNotFound(detail={"code": code})
    return skill


@transaction.atomic
def skill_rename(*, actor: User, skill_code: str, name: str, name_en: str | None = None) -> Skill:
    ensure_role(actor, Role.OPERATOR)
    skill = _skill_for_update(skill_code)
    values = {"name": name.strip()}
    if name_en is not None:
        values["name_en"] = name_en.strip()
    Skill.objects.filter(pk=skill.pk).update(**values)
    skill.refresh_from_db()
    return skill


@transaction.atomic
def skill_retire(*, actor: User, skill_code: str) -> Skill:
    """An operator retires a skill: profiles, households and orders keep it, but nothing new
    may name it (``skills_by_code`` refuses it with ``skill_retired``)."""
    ensure_role(actor, Role.OPERATOR)
    skill = _skill_for_update(skill_code)
    won = Skill.objects.filter(pk=skill.pk, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    if not won:
        raise SkillAlreadyRetired(detail={"code": skill_code})
    skill.refresh_from_db()
    return skill
