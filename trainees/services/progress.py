"""Writes for training: programmes, cohorts, trainees, progress, assessments, graduation.

Every guard runs before anything is written, inside one transaction, with the trainee's row
locked (so two phones logging for the same person on the same day cannot both pass the
12-hour check). Bad input raises a specific error and leaves nothing changed.
"""

import secrets
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from accounts.services import user_create
from core.errors import BadRequest, Conflict, NotFound
from workshops.models import Household, SkillLevel, Workshop
from workshops.services import (
    household_skill_certify,
    skills_by_code,
    workshop_assign_lead,
    workshop_create,
)

from ..models import (
    MAX_HOURS_PER_DAY,
    MAX_SCORE,
    TRAINEE_TRANSITIONS,
    Assessment,
    Cohort,
    Module,
    Programme,
    ProgressLog,
    Trainee,
)
from ..photos import photo_clean
from ..selectors import CohortNotFound, TraineeNotFound, effective_logs, trainee_summaries

Role = User.Role


class ProgrammeCodeTaken(Conflict):
    code = "programme_code_taken"
    message = _("培训项目代码已被使用。")


class ModuleDueAfterProgramme(BadRequest):
    code = "module_due_after_programme"
    message = _("模块的完成天数超出了培训天数。")


class ProgrammeNeedsModules(BadRequest):
    code = "programme_needs_modules"
    message = _("培训项目至少要有一个模块。")


class NotATrainer(BadRequest):
    code = "not_a_trainer"
    message = _("只能指定实训老师任教。")


class UnknownHousehold(BadRequest):
    code = "unknown_household"
    message = _("农户不存在。")


class UnknownUser(BadRequest):
    code = "unknown_user"
    message = _("账号不存在。")


class DateInFuture(BadRequest):
    code = "date_in_future"
    message = _("日期不能晚于今天。")


class DateBeforeCohortStart(BadRequest):
    code = "date_before_cohort_start"
    message = _("日期早于开班日期。")


class HoursOutOfRange(BadRequest):
    code = "hours_out_of_range"
    message = _("学时必须大于 0 且不超过 12 小时。")


class DailyHoursExceeded(BadRequest):
    code = "daily_hours_exceeded"
    message = _("该学员当天的学时合计将超过 12 小时。")


class ScoreOutOfRange(BadRequest):
    code = "score_out_of_range"
    message = _("得分必须在 0 到 100 之间。")


class UnknownLevel(BadRequest):
    code = "unknown_level"
    message = _("等级必须是初级、中级或高级（1、2、3）。")


class ModuleNotInProgramme(BadRequest):
    code = "module_not_in_programme"
    message = _("该模块不属于学员所在班级的培训项目。")


class SkillNotInProgramme(BadRequest):
    code = "skill_not_in_programme"
    message = _("该技能不在学员的培训项目中。")


class SkillNotInModule(BadRequest):
    code = "skill_not_in_module"
    message = _("该技能不属于这个模块的考核内容。")


class SkillRequired(BadRequest):
    code = "skill_required"
    message = _("这个模块按技能考核，请指定技能和等级。")


class NoTrainees(BadRequest):
    code = "no_trainees"
    message = _("请至少选择一名学员。")


class CorrectionForOneTrainee(BadRequest):
    code = "correction_for_one_trainee"
    message = _("更正只能针对一名学员的一条记录。")


class CorrectionNeedsReason(BadRequest):
    code = "correction_needs_reason"
    message = _("更正记录需要填写原因。")


class ProgressLogNotFound(NotFound):
    code = "progress_log_not_found"
    message = _("要更正的记录不存在。")


class AlreadyCorrected(Conflict):
    code = "progress_already_corrected"
    message = _("这条记录已被更正过，请更正最新的那条。")


class TraineeNotInTraining(Conflict):
    code = "trainee_not_in_training"
    message = _("学员已结业或已退出，不能再记录。")


class TraineeWrongStatus(Conflict):
    code = "trainee_wrong_status"
    message = _("学员当前状态不允许此操作。")


class ModulesNotPassed(Conflict):
    code = "modules_not_passed"
    message = _("还有模块未通过考核，不能结业。")


class NotGraduated(Conflict):
    code = "trainee_not_graduated"
    message = _("只有已结业的学员才能担任工坊带头人。")


class WorkshopChoice(BadRequest):
    code = "workshop_choice"
    message = _("请指定一个已有工坊，或填写新工坊的信息（二选一）。")


class UnknownWorkshop(NotFound):
    code = "workshop_not_found"
    message = _("工坊不存在。")


class TraineeUserElsewhere(Conflict):
    code = "trainee_user_elsewhere"
    message = _("学员的账号属于其他机构或不是带头人账号，请先调整账号。")


class UsernameTaken(Conflict):
    code = "username_taken"
    message = _("用户名已被使用。")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = _("这个请求编号已用于另一条记录。")


# --- Programmes and cohorts -------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    duration_days: int,
    modules: list[dict[str, Any]],
    description: str = "",
) -> Programme:
    """An operator defines a programme and its modules (each with its assessed skills)."""
    ensure_role(actor, Role.OPERATOR)
    if not modules:
        raise ProgrammeNeedsModules()
    late = [m["name"] for m in modules if m["due_day"] > duration_days]
    if late:
        raise ModuleDueAfterProgramme(detail={"modules": late, "duration_days": duration_days})
    catalogue = skills_by_code(sorted({code for m in modules for code in m.get("skills", [])}))
    if Programme.objects.filter(code=code).exists():
        raise ProgrammeCodeTaken(detail={"code": code})
    programme = Programme.objects.create(
        code=code, name=name, kind=kind, duration_days=duration_days, description=description
    )
    for position, spec in enumerate(modules, start=1):
        module = Module.objects.create(
            programme=programme,
            position=position,
            name=spec["name"],
            required_hours=spec["required_hours"],
            due_day=spec["due_day"],
            pass_score=spec.get("pass_score", 60),
        )
        module.skills.set([catalogue[c] for c in spec.get("skills", [])])
    return programme


@transaction.atomic
def cohort_create(
    *,
    actor: User,
    programme_id: int,
    name: str,
    start_date: date,
    place_kind: str,
    place: str,
    trainer_ids: list[int],
) -> Cohort:
    ensure_role(actor, Role.OPERATOR)
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise NotFound(code="programme_not_found", message=_("培训项目不存在。"))
    trainers = list(User.objects.filter(pk__in=trainer_ids, role=Role.TRAINER, is_active=True))
    missing = sorted(set(trainer_ids) - {t.pk for t in trainers})
    if missing:
        raise NotATrainer(detail={"user_ids": missing})
    cohort = Cohort.objects.create(
        programme=programme,
        name=name,
        start_date=start_date,
        place_kind=place_kind,
        place=place,
    )
    cohort.trainers.set(trainers)
    return cohort


def _cohort_for(actor: User, cohort_id: int) -> Cohort:
    """The cohort if ``actor`` is an operator or teaches it; 404 otherwise."""
    cohorts = Cohort.objects.select_related("programme").filter(pk=cohort_id)
    if not is_operator(actor):
        cohorts = cohorts.filter(trainers=actor)
    cohort = cohorts.first()
    if cohort is None:
        raise CohortNotFound(detail={"cohort_id": cohort_id})
    return cohort


# --- Trainees ---------------------------------------------------------------------------------


@transaction.atomic
def trainee_enrol(
    *,
    actor: User,
    cohort_id: int,
    name: str,
    province: str,
    county: str,
    background: str,
    village: str = "",
    phone: str = "",
    household_id: int | None = None,
    user_id: int | None = None,
) -> Trainee:
    """An operator, or a trainer of the cohort, enrols a trainee."""
    ensure_role(actor, Role.OPERATOR, Role.TRAINER)
    cohort = _cohort_for(actor, cohort_id)
    if household_id is not None and not Household.objects.filter(pk=household_id).exists():
        raise UnknownHousehold(detail={"household_id": household_id})
    if user_id is not None and not User.objects.filter(pk=user_id).exists():
        raise UnknownUser(detail={"user_id": user_id})
    return Trainee.objects.create(
        cohort=cohort,
        name=name,
        province=province,
        county=county,
        village=village,
        phone=phone,
        background=background,
        household_id=household_id,
        user_id=user_id,
    )


def _locked_trainees(actor: User, trainee_ids: list[int]) -> list[Trainee]:
    """Lock, in id order, the trainees ``actor`` may log for; 404 naming any other."""
    ids = sorted(set(trainee_ids))
    rows = Trainee.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    if not is_operator(actor):
        # Filtering the locked query itself on the M2M would lock join rows too; check apart.
        allowed = set(
            Trainee.objects.filter(pk__in=ids, cohort__trainers=actor).values_list("pk", flat=True)
        )
        outside = [pk for pk in ids if pk not in allowed]
        if outside:
            raise TraineeNotFound(detail={"trainee_ids": outside})
    trainees = list(rows)
    missing = sorted(set(ids) - {t.pk for t in trainees})
    if missing:
        raise TraineeNotFound(detail={"trainee_ids": missing})
    return trainees


def _check_day(value: date, today: date) -> None:
    if value > today:
        raise DateInFuture(detail={"date": value.isoformat(), "today": today.isoformat()})


def _check_score(score: int | None) -> None:
    if score is not None and not 0 <= score <= MAX_SCORE:
        raise ScoreOutOfRange(detail={"score": score, "min": 0, "max": MAX_SCORE})


def _start_training(trainee: Trainee) -> None:
    """The first log or assessment moves an enrolled trainee into training."""
    if trainee.status == Trainee.Status.ENROLLED:
        Trainee.objects.filter(pk=trainee.pk, status=Trainee.Status.ENROLLED).update(
            status=Trainee.Status.IN_TRAINING
        )
        trainee.status = Trainee.Status.IN_TRAINING


@transaction.atomic
def progress_log(
    *,
    actor: User,
    trainee_ids: list[int],
    module_id: int,
    date: date,
    hours: Decimal,
    activity: str,
    score: int | None = None,
    notes: str = "",
    photo: bytes | None = None,
    corrects_id: int | None = None,
    correction_reason: str = "",
    client_key: uuid.UUID | None = None,
    today: date | None = None,
) -> list[ProgressLog]:
    """A trainer logs one session for one or several trainees of their own cohorts.

    With ``corrects_id`` the entry is a correction of that (one trainee's) entry: a new row
    that replaces the old one in every sum; the old row stays as it was. ``client_key`` is
    the phone's key for this request: sending it again returns the entries already made.
    """
    ensure_role(actor, Role.TRAINER, Role.OPERATOR)
    today = today or timezone.localdate()
    if not trainee_ids:
        raise NoTrainees()
    if client_key is not None:
        replay = list(ProgressLog.objects.filter(session_key=client_key).order_by("pk"))
        if replay:
            same = replay[0].trainer_id == actor.pk and sorted(
                row.trainee_id for row in replay
            ) == sorted(set(trainee_ids))
            if not same:
                raise IdempotencyKeyReused(detail={"client_key": str(client_key)})
            return replay
    trainees = _locked_trainees(actor, trainee_ids)
    _check_day(date, today)
    _check_score(score)
    corrected = None
    if corrects_id is not None:
        if len(trainees) != 1:
            raise CorrectionForOneTrainee()
        if not correction_reason.strip():
            raise CorrectionNeedsReason()
        corrected = ProgressLog.objects.filter(pk=corrects_id, trainee=trainees[0]).first()
        if corrected is None:
            raise ProgressLogNotFound(detail={"corrects_id": corrects_id})
        if ProgressLog.objects.filter(corrects=corrected).exists():
            raise AlreadyCorrected(detail={"corrects_id": corrects_id})
    lowest = Decimal(0) if corrected is not None else Decimal("0.1")
    if not lowest <= hours <= MAX_HOURS_PER_DAY:
        raise HoursOutOfRange(detail={"hours": str(hours), "max": str(MAX_HOURS_PER_DAY)})
    hours = hours.quantize(Decimal("0.1"))
    for trainee in trainees:
        if trainee.status not in (Trainee.Status.ENROLLED, Trainee.Status.IN_TRAINING):
            raise TraineeNotInTraining(detail={"trainee_id": trainee.pk, "status": trainee.status})
    cohort_ids = {t.cohort_id for t in trainees}
    cohorts = {c.pk: c for c in Cohort.objects.filter(pk__in=cohort_ids)}
    module = Module.objects.filter(pk=module_id).first()
    for trainee in trainees:
        cohort = cohorts[trainee.cohort_id]
        if module is None or module.programme_id != cohort.programme_id:
            raise ModuleNotInProgramme(detail={"module_id": module_id, "trainee_id": trainee.pk})
        if date < cohort.start_date:
            raise DateBeforeCohortStart(
                detail={"date": date.isoformat(), "start_date": cohort.start_date.isoformat()}
            )
    day_logs = effective_logs().filter(trainee__in=trainees, date=date)
    if corrected is not None:
        day_logs = day_logs.exclude(pk=corrected.pk)
    day_hours = dict(
        day_logs.values("trainee_id")
        .annotate(total=Sum("hours"))
        .values_list("trainee_id", "total")
    )
    over = {
        t.pk: str(day_hours.get(t.pk, Decimal(0)) + hours)
        for t in trainees
        if day_hours.get(t.pk, Decimal(0)) + hours > MAX_HOURS_PER_DAY
    }
    if over:
        raise DailyHoursExceeded(
            detail={"date": date.isoformat(), "hours_that_day": over, "max": "12"}
        )
    photo_file = photo_clean(photo) if photo else None
    session_key = client_key or uuid.uuid4()
    logs = []
    for trainee in trainees:
        log = ProgressLog(
            trainee=trainee,
            module=module,
            trainer=actor,
            session_key=session_key,
            date=date,
            hours=hours,
            activity=activity,
            score=score,
            notes=notes,
            corrects=corrected,
            correction_reason=correction_reason.strip() if corrected else "",
        )
        if photo_file is not None:
            if logs:
                # One upload, one file: the session's other entries point at the same image.
                log.photo.name = logs[0].photo.name
            else:
                log.photo.save(photo_file.name, photo_file, save=False)
        try:
            with transaction.atomic():
                log.save()
        except IntegrityError:
            if corrected is not None:
                # Two corrections of one entry raced: the unique ``corrects`` kept one.
                raise AlreadyCorrected(detail={"corrects_id": corrects_id}) from None
            raise
        logs.append(log)
        _start_training(trainee)
    return logs


# --- Assessments and certificates -----------------------------------------------------------


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
    today: date | None = None,
) -> Assessment:
    """A trainer assesses a trainee in a module, optionally a skill at a level.

    Passing a skill certifies it on the assessment day; for an apprentice who is a member
    of a household the household's skill becomes certified at that level (never lowered),
    which is what allocation and ticket issuing look at.
    """
    ensure_role(actor, Role.TRAINER, Role.OPERATOR)
    today = today or timezone.localdate()
    (trainee,) = _locked_trainees(actor, [trainee_id])
    if trainee.status not in (Trainee.Status.ENROLLED, Trainee.Status.IN_TRAINING):
        raise TraineeNotInTraining(detail={"trainee_id": trainee.pk, "status": trainee.status})
    _check_day(assessed_on, today)
    _check_score(score)
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
    )
    _start_training(trainee)
    if certified_on is not None and trainee.household_id is not None:
        household_skill_certify(
            household_id=trainee.household_id,
            skill=skill,
            level=level,
            certified_on=certified_on,
        )
    return assessment


# --- Leaving the programme --------------------------------------------------------------------


def _move(trainee: Trainee, to_status: str, **fields: Any) -> None:
    """Guarded conditional UPDATE along TRAINEE_TRANSITIONS."""
    allowed_from = [s for s, nexts in TRAINEE_TRANSITIONS.items() if to_status in nexts]
    moved = Trainee.objects.filter(pk=trainee.pk, status__in=allowed_from).update(
        status=to_status, **fields
    )
    if not moved:
        raise TraineeWrongStatus(detail={"status": trainee.status, "to": to_status})
    trainee.status = to_status
    for name, value in fields.items():
        setattr(trainee, name, value)


@transaction.atomic
def trainee_graduate(*, actor: User, trainee_id: int, today: date | None = None) -> Trainee:
    """Graduate a trainee whose every module is passed (operator or a trainer of the cohort)."""
    ensure_role(actor, Role.OPERATOR, Role.TRAINER)
    today = today or timezone.localdate()
    (trainee,) = _locked_trainees(actor, [trainee_id])
    if trainee.status not in (Trainee.Status.ENROLLED, Trainee.Status.IN_TRAINING):
        raise TraineeWrongStatus(detail={"status": trainee.status, "to": "graduated"})
    summary = trainee_summaries([trainee], today=today)[trainee.pk]
    not_passed = [m.name for m in summary.modules if not m.passed]
    if not_passed or not summary.modules:
        raise ModulesNotPassed(detail={"modules": not_passed})
    if trainee.status == Trainee.Status.ENROLLED:
        _move(trainee, Trainee.Status.IN_TRAINING)
    _move(trainee, Trainee.Status.GRADUATED, graduated_on=today)
    return trainee


@transaction.atomic
def trainee_withdraw(
    *, actor: User, trainee_id: int, reason: str, today: date | None = None
) -> Trainee:
    ensure_role(actor, Role.OPERATOR, Role.TRAINER)
    today = today or timezone.localdate()
    if not reason.strip():
        raise BadRequest(_("请填写退出原因。"), code="withdraw_reason_required")
    (trainee,) = _locked_trainees(actor, [trainee_id])
    _move(trainee, Trainee.Status.WITHDREW, withdraw_reason=reason.strip(), withdrawn_on=today)
    return trainee


# --- Graduate to lead -------------------------------------------------------------------------


@transaction.atomic
def trainee_make_lead(
    *,
    actor: User,
    trainee_id: int,
    workshop_id: int | None = None,
    new_workshop: dict[str, Any] | None = None,
    username: str | None = None,
    today: date | None = None,
) -> tuple[Trainee, str | None]:
    """An operator makes a graduate the lead of an existing or a new workshop.

    The training record is linked to the workshop. A graduate without a login gets a lead
    user in the workshop's organisation; its one-time password is returned (never stored
    in clear) for the operator to hand over. Returns the trainee and that password, if any.
    """
    ensure_role(actor, Role.OPERATOR)
    today = today or timezone.localdate()
    if (workshop_id is None) == (new_workshop is None):
        raise WorkshopChoice()
    (trainee,) = _locked_trainees(actor, [trainee_id])
    if trainee.status != Trainee.Status.GRADUATED:
        raise NotGraduated(detail={"status": trainee.status})
    user = trainee.user
    if username and User.objects.filter(username=username).exists():
        raise UsernameTaken(detail={"username": username})
    if workshop_id is not None:
        workshop = Workshop.objects.select_related("organisation").filter(pk=workshop_id).first()
        if workshop is None:
            raise UnknownWorkshop(detail={"workshop_id": workshop_id})
    else:
        workshop = workshop_create(actor=actor, **new_workshop)
    if user is not None and (
        user.role != Role.LEAD or user.organisation_id != workshop.organisation_id
    ):
        raise TraineeUserElsewhere(
            detail={"user": user.username, "workshop_id": workshop.pk, "role": user.role}
        )
    password = None
    if user is None:
        password = secrets.token_urlsafe(9)
        user = user_create(
            username=username or f"lead_{workshop.pk}_{trainee.pk}",
            password=password,
            role=Role.LEAD,
            organisation=workshop.organisation,
            display_name=trainee.name,
            phone=trainee.phone,
        )
    workshop_assign_lead(actor=actor, workshop_id=workshop.pk, lead=user)
    Trainee.objects.filter(pk=trainee.pk).update(user=user, led_workshop=workshop, lead_since=today)
    trainee.user, trainee.led_workshop, trainee.lead_since = user, workshop, today
    return trainee, password
