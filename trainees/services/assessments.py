"""Writes for assessments: a trainer scores a module, and a pass certifies the skill."""

import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict
from workshops.models import SkillLevel
from workshops.services import household_skill_certify, household_skill_decertify

from ..models import Assessment, AssessmentRevocation, Module, Trainee
from ..selectors import assessment_get, effective_assessments
from .guards import (
    DateBeforeCohortStart,
    ModuleNotInProgramme,
    TraineeNotInTraining,
    check_day,
    check_score,
    locked_trainees,
    start_training,
)
from .progress import IdempotencyKeyReused

Role = User.Role


class UnknownLevel(BadRequest):
    code = "unknown_level"
    message = _("等级必须是初级、中级或高级（1、2、3）。")


class SkillNotInProgramme(BadRequest):
    code = "skill_not_in_programme"
    message = _("该技能不在学员的培训项目中。")


class SkillNotInModule(BadRequest):
    code = "skill_not_in_module"
    message = _("该技能不属于这个模块的考核内容。")


class RevocationReasonRequired(BadRequest):
    code = "revocation_reason_required"
    message = _("请填写撤销原因。")


class AssessmentAlreadyRevoked(Conflict):
    code = "assessment_already_revoked"
    message = _("这条考核记录已经撤销过了。")


class SkillRequired(BadRequest):
    code = "skill_required"
    message = _("这个模块按技能考核，请指定技能和等级。")


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    trainee_id: int,
    module_id: int,
    score: int,
    assessed_on: date,
    skill_code: str | None = None,
    level: int | None = None,
    notes: str = "",
    client_key: uuid.UUID | None = None,
    today: date | None = None,
) -> Assessment:
    """A trainer assesses a trainee in a module, optionally a skill at a level.

    ``client_key`` (made when the form was rendered, or by the phone) makes a repeat return
    the assessment already recorded; the same key for another trainee or assessor is 409.

    Passing a skill certifies it on the assessment day; for an apprentice who is a member
    of a household the household's skill becomes certified at that level (never lowered),
    which is what allocation and ticket issuing look at.
    """
    ensure_role(actor, Role.TRAINER, Role.OPERATOR)
    today = today or timezone.localdate()
    (trainee,) = locked_trainees(actor, [trainee_id])
    if client_key is not None:
        replay = Assessment.objects.filter(client_key=client_key).first()
        if replay is not None:
            if (replay.trainee_id, replay.assessor_id) != (trainee.pk, actor.pk):
                raise IdempotencyKeyReused(detail={"client_key": str(client_key)})
            return replay
    if trainee.status not in (Trainee.Status.ENROLLED, Trainee.Status.IN_TRAINING):
        raise TraineeNotInTraining(detail={"trainee_id": trainee.pk, "status": trainee.status})
    check_day(assessed_on, today)
    check_score(score)
    cohort = trainee.cohort
    module = (
        Module.objects.filter(pk=module_id, programme_id=cohort.programme_id)
        .prefetch_related("skills")
        .first()
    )
    if module is None:
        raise ModuleNotInProgramme(detail={"module_id": module_id})
    if assessed_on < cohort.start_date:
        raise DateBeforeCohortStart(
            detail={"date": assessed_on.isoformat(), "start_date": cohort.start_date.isoformat()}
        )
    skill = None
    module_skills = {s.code: s for s in module.skills.all()}
    if skill_code is not None:
        programme_skill_codes = set(
            Module.objects.filter(programme_id=cohort.programme_id)
            .exclude(skills=None)
            .values_list("skills__code", flat=True)
        )
        if skill_code not in programme_skill_codes:
            raise SkillNotInProgramme(detail={"skill": skill_code})
        if skill_code not in module_skills:
            raise SkillNotInModule(detail={"skill": skill_code, "module_id": module.pk})
        skill = module_skills[skill_code]
        if level not in SkillLevel.values:
            raise UnknownLevel(detail={"level": level})
    elif module_skills:
        raise SkillRequired(detail={"skills": sorted(module_skills)})
    else:
        level = None
    passed = score >= module.pass_score
    certified_on = assessed_on if passed and skill is not None else None
    assessment = Assessment.objects.create(
        trainee=trainee,
        module=module,
        skill=skill,
        level=level,
        score=score,
        passed=passed,
        assessed_on=assessed_on,
        certified_on=certified_on,
        assessor=actor,
        notes=notes,
        client_key=client_key,
    )
    start_training(trainee)
    if certified_on is not None and trainee.household_id is not None:
        household_skill_certify(
            household_id=trainee.household_id,
            skill=skill,
            level=level,
            certified_on=certified_on,
        )
    return assessment


@transaction.atomic
def assessment_revoke(*, actor: User, assessment_id: int, reason: str) -> Assessment:
    """Revoke a mistaken assessment: a new entry with who and why, never an edit or delete.

    The assessment stops counting (no module passed by it, no certificate). If it certified a
    skill of a household member, that skill flows back out: the household keeps the best
    certificate still standing for the skill (any of its members' unrevoked ones), or loses
    the certified skill, and its workshop's profile falls back accordingly
    (``workshops.services.household_skill_decertify``). Graduation already granted stays.
    """
    ensure_role(actor, Role.TRAINER, Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise RevocationReasonRequired()
    assessment = assessment_get(viewer=actor, assessment_id=assessment_id)
    locked_trainees(actor, [assessment.trainee_id])  # one writer per trainee at a time
    if AssessmentRevocation.objects.filter(assessment_id=assessment.pk).exists():
        raise AssessmentAlreadyRevoked(detail={"assessment_id": assessment.pk})
    revocation = AssessmentRevocation.objects.create(
        assessment=assessment, reason=reason[:200], revoked_by=actor
    )
    household_id = assessment.trainee.household_id
    if assessment.certified_on is not None and household_id is not None:
        standing = (
            effective_assessments()
            .filter(
                trainee__household_id=household_id,
                skill_id=assessment.skill_id,
                certified_on__isnull=False,
            )
            .order_by("-level", "-certified_on", "-pk")
            .values_list("level", "certified_on")
            .first()
        )
        household_skill_decertify(
            household_id=household_id,
            skill=assessment.skill,
            remaining=standing,
            actor=actor,
            reason=reason,
        )
    assessment.revocation = revocation
    return assessment
