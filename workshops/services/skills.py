"""A workshop's skill profile: certification raises it (used by trainees), a revoked certificate
lets it fall back, an operator replaces it with a reason; a lead cannot change it. Certified
skills stay at least at their certified level.
"""

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Forbidden

from ..models import (
    Household,
    HouseholdSkill,
    Skill,
    SkillLevel,
    Workshop,
    WorkshopSkill,
    WorkshopSkillChange,
)
from ._common import Role, _workshop_for_update
from .catalogue import SkillRetired, skills_by_code


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


class LeadCannotChangeSkills(Forbidden):
    code = "workshop_skills_by_certification"
    message = _("工坊技能只能通过考核认证获得，或由平台运营登记；带头人不能修改。")


class SkillChangeReasonRequired(BadRequest):
    code = "skill_change_reason_required"
    message = _("修改工坊技能必须填写原因。")


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
