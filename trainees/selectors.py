"""Reads for training: scoped lists, the progress summary, and a lead's record.

Scoping: operators see everything; a trainer sees only trainees (and cohorts) of cohorts they
teach; a lead sees the training record linked to the workshop they lead. Anything else is
invisible, which single reads turn into 404.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator, scope
from core.errors import NotFound

from .models import Assessment, Cohort, Module, Programme, ProgressLog, Trainee

Role = User.Role

# A module is behind schedule when its hours are more than this share short of the pace
# (see ``expected_hours``).
PACE_SLACK = Decimal("0.2")
ONE_PLACE = Decimal("0.1")


class TraineeNotFound(NotFound):
    code = "trainee_not_found"
    message = gettext_lazy("学员不存在，或不在您任教的班级。")


class AssessmentNotFound(NotFound):
    code = "assessment_not_found"
    message = gettext_lazy("考核记录不存在，或该学员不在您任教的范围。")


class CohortNotFound(NotFound):
    code = "cohort_not_found"
    message = gettext_lazy("班级不存在，或不是您任教的班级。")


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"
    message = gettext_lazy("培训项目不存在。")


# --- A trainer's reach (docs/trainees.md, "Who sees what") ----------------------------------
#
# A trainer works for an organisation: the Yiwu base (the operator's organisation), whose
# trainers run the lead programme's cohorts for people from anywhere; or a regional service
# center, whose village teachers train the households of the workshops that center serves.
# What a trainer may link a trainee to (a household, a login) and so read and certify:
# - a village teacher: households of workshops its center serves; logins of the center and
#   of those workshops;
# - a Yiwu base trainer: only households and logins already on the record of a cohort it
#   teaches (an operator links anyone else).
# A trainee of a trainer's cohort whose household or login lies outside that reach (an
# operator put it there) is out of reach too: not read, logged or certified by that trainer.


def _village_teacher_center(viewer: User) -> int | None:
    """The service center a village teacher works for; None for a Yiwu base trainer."""
    organisation = viewer.organisation
    if organisation is not None and organisation.kind == Organisation.Kind.SERVICE_CENTER:
        return organisation.pk
    return None


def households_in_reach(viewer: User) -> Q:
    """Households (a ``Household`` queryset filter) ``viewer`` may link a trainee to."""
    if is_operator(viewer):
        return Q()
    if viewer.role != Role.TRAINER:
        return Q(pk__in=[])
    center = _village_teacher_center(viewer)
    if center is not None:
        return Q(workshop__organisation__service_center_id=center)
    return Q(trainees__cohort__trainers=viewer)


def users_in_reach(viewer: User) -> Q:
    """Logins (a ``User`` queryset filter) ``viewer`` may link a trainee to."""
    if is_operator(viewer):
        return Q()
    if viewer.role != Role.TRAINER:
        return Q(pk__in=[])
    center = _village_teacher_center(viewer)
    if center is not None:
        return Q(organisation_id=center) | Q(organisation__service_center_id=center)
    return Q(training_records__cohort__trainers=viewer)


def _trainer_trainees(viewer: User) -> Q:
    """Trainees of the cohorts ``viewer`` teaches whose household and login are in reach."""
    trainees = Q(cohort__trainers=viewer)
    center = _village_teacher_center(viewer)
    if center is not None:
        trainees &= Q(household__isnull=True) | Q(
            household__workshop__organisation__service_center_id=center
        )
        trainees &= (
            Q(user__isnull=True)
            | Q(user__organisation_id=center)
            | Q(user__organisation__service_center_id=center)
        )
    return trainees


def trainees_in_reach(viewer: User) -> Q:
    """Trainees (a ``Trainee`` queryset filter) ``viewer`` may log for, assess and certify."""
    if is_operator(viewer):
        return Q()
    if viewer.role != Role.TRAINER:
        return Q(pk__in=[])
    return _trainer_trainees(viewer)


def programme_list(*, viewer: User) -> QuerySet[Programme]:
    ensure_role(viewer, Role.OPERATOR, Role.TRAINER)
    return Programme.objects.prefetch_related(
        Prefetch("modules", queryset=Module.objects.prefetch_related("skills"))
    ).order_by("kind", "code")


def programme_get(*, viewer: User, programme_id: int) -> Programme:
    programme = programme_list(viewer=viewer).filter(pk=programme_id).first()
    if programme is None:
        raise ProgrammeNotFound()
    return programme


def cohort_list(*, viewer: User, programme_id: int | None = None) -> QuerySet[Cohort]:
    cohorts = scope(
        Cohort.objects.select_related("programme"),
        viewer=viewer,
        trainer=Q(trainers=viewer),
    ).annotate(trainee_count=Count("trainees", distinct=True))
    if programme_id is not None:
        cohorts = cohorts.filter(programme_id=programme_id)
    return cohorts.prefetch_related("trainers").order_by("-start_date", "pk")


def cohort_get(*, viewer: User, cohort_id: int) -> Cohort:
    cohort = cohort_list(viewer=viewer).filter(pk=cohort_id).first()
    if cohort is None:
        raise CohortNotFound()
    return cohort


def trainee_list(
    *,
    viewer: User,
    cohort_id: int | None = None,
    status: str | None = None,
    search: str = "",
) -> QuerySet[Trainee]:
    trainees = scope(
        Trainee.objects.select_related(
            "cohort", "cohort__programme", "household", "user", "led_workshop__organisation"
        ),
        viewer=viewer,
        trainer=_trainer_trainees(viewer) if viewer.role == Role.TRAINER else None,
        workshop="led_workshop__organisation",
    )
    if cohort_id is not None:
        trainees = trainees.filter(cohort_id=cohort_id)
    if status:
        trainees = trainees.filter(status=status)
    if search:
        trainees = trainees.filter(
            Q(name__icontains=search) | Q(county__icontains=search) | Q(village__icontains=search)
        )
    return trainees.order_by("cohort_id", "name", "pk")


def trainee_get(*, viewer: User, trainee_id: int) -> Trainee:
    trainee = trainee_list(viewer=viewer).filter(pk=trainee_id).first()
    if trainee is None:
        raise TraineeNotFound(detail={"trainee_id": trainee_id})
    return trainee


def effective_logs() -> QuerySet[ProgressLog]:
    """Entries that count: those no later entry corrects."""
    return ProgressLog.objects.filter(corrected_by__isnull=True)


def progress_log_list(*, viewer: User, trainee_id: int) -> QuerySet[ProgressLog]:
    return _logs_of(trainee_get(viewer=viewer, trainee_id=trainee_id))


def _logs_of(trainee: Trainee) -> QuerySet[ProgressLog]:
    return (
        ProgressLog.objects.filter(trainee=trainee)
        .select_related("module", "trainer", "corrected_by")
        .order_by("-date", "-pk")
    )


def progress_photo_by_file(*, name: str) -> ProgressLog | None:
    """The progress entry whose work photo is stored under ``name``, if any."""
    if not name.startswith("trainees/"):  # the field's upload_to
        return None
    return ProgressLog.objects.filter(photo=name).exclude(photo="").first()


def progress_photo_visible(*, viewer: User, log: ProgressLog) -> bool:
    """Whoever may read the trainee's record: operators, the trainers of its cohort (and a
    lead its own training record, as the progress API already shows it)."""
    return trainee_list(viewer=viewer).filter(pk=log.trainee_id).exists()


def effective_assessments() -> QuerySet[Assessment]:
    """Assessments that count: those not revoked (a revocation is a new entry, see
    ``services.assessment_revoke``). Passed modules and certificates read only these."""
    return Assessment.objects.filter(revocation__isnull=True)


def assessment_list(*, viewer: User, trainee_id: int) -> QuerySet[Assessment]:
    """All of a trainee's assessments, revoked ones too (with their revocation), newest first."""
    return _assessments_of(trainee_get(viewer=viewer, trainee_id=trainee_id))


def _assessments_of(trainee: Trainee) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(trainee=trainee)
        .select_related("module", "skill", "assessor", "revocation__revoked_by")
        .order_by("-assessed_on", "-pk")
    )


def assessment_get(*, viewer: User, assessment_id: int) -> Assessment:
    """One assessment of a trainee ``viewer`` may assess (``trainees_in_reach``); else 404."""
    assessment = (
        Assessment.objects.filter(pk=assessment_id)
        .filter(trainee__in=Trainee.objects.filter(trainees_in_reach(viewer)))
        .select_related("trainee", "module", "skill")
        .first()
    )
    if assessment is None:
        raise AssessmentNotFound(detail={"assessment_id": assessment_id})
    return assessment


# --- The progress summary -----------------------------------------------------------------


@dataclass
class ModuleProgress:
    module_id: int
    name: str
    position: int
    required_hours: Decimal
    hours_done: Decimal
    hours_remaining: Decimal
    expected_hours: Decimal
    due_day: int
    passed: bool
    skills: list[str]
    passed_skills: list[str]


@dataclass
class BehindReason:
    code: str
    module_id: int
    message: str


@dataclass
class TraineeSummary:
    trainee_id: int
    name: str
    status: str
    as_of: date
    days_elapsed: int
    days_total: int
    required_hours: Decimal
    hours_done: Decimal
    percent_done: Decimal
    modules_passed: int
    modules_total: int
    can_graduate: bool
    behind_schedule: bool
    reasons: list[BehindReason] = field(default_factory=list)
    modules: list[ModuleProgress] = field(default_factory=list)


def _one_place(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def _as_of(trainee: Trainee, today: date) -> date:
    """The day the summary is taken: today, or the day the trainee left the programme."""
    ended = trainee.graduated_on or trainee.withdrawn_on
    return min(today, ended) if ended else today


def expected_hours(required: Decimal, start_day: int, due_day: int, day: int) -> Decimal:
    """Hours a module should have by ``day``: modules follow one another, each spreading its
    required hours evenly from the previous module's due day to its own."""
    if day <= start_day:
        return Decimal(0)
    if day >= due_day or due_day <= start_day:
        return required
    return required * (day - start_day) / (due_day - start_day)


def module_is_passed(module: Module, passed_pairs: set[tuple[int, int | None]]) -> bool:
    """Passed when each of the module's skills has a passed assessment in it (or, for a
    module without skills, when the module itself has one)."""
    skill_ids = [skill.pk for skill in module.skills.all()]
    if not skill_ids:
        return any(module_id == module.pk for module_id, _skill in passed_pairs)
    return all((module.pk, skill_id) in passed_pairs for skill_id in skill_ids)


def trainee_summaries(
    trainees: list[Trainee], *, today: date | None = None
) -> dict[int, TraineeSummary]:
    """Summaries of many trainees from two aggregate queries (hours, passed assessments)."""
    today = today or timezone.localdate()
    trainee_ids = [t.pk for t in trainees]
    hours: dict[tuple[int, int], Decimal] = {
        (row["trainee_id"], row["module_id"]): _one_place(row["hours"] or Decimal(0))
        for row in effective_logs()
        .filter(trainee_id__in=trainee_ids)
        .values("trainee_id", "module_id")
        .annotate(hours=Sum("hours"))
    }
    passed: dict[int, set[tuple[int, int | None]]] = {}
    for trainee_id, module_id, skill_id in (
        effective_assessments()
        .filter(trainee_id__in=trainee_ids, passed=True)
        .values_list("trainee_id", "module_id", "skill_id")
        .distinct()
    ):
        passed.setdefault(trainee_id, set()).add((module_id, skill_id))
    programme_ids = {t.cohort.programme_id for t in trainees}
    modules_of: dict[int, list[Module]] = {}
    for module in (
        Module.objects.filter(programme_id__in=programme_ids)
        .prefetch_related("skills")
        .order_by("position")
    ):
        modules_of.setdefault(module.programme_id, []).append(module)

    summaries = {}
    for trainee in trainees:
        programme = trainee.cohort.programme
        as_of = _as_of(trainee, today)
        days_total = programme.duration_days
        days_since_start = (as_of - trainee.cohort.start_date).days
        days_elapsed = max(0, min(days_total, days_since_start))
        active = trainee.status in (Trainee.Status.ENROLLED, Trainee.Status.IN_TRAINING)
        passed_pairs = passed.get(trainee.pk, set())
        modules, reasons = [], []
        window_start = 0
        for module in modules_of.get(programme.pk, []):
            done = hours.get((trainee.pk, module.pk), Decimal("0.0"))
            expected = _one_place(
                expected_hours(module.required_hours, window_start, module.due_day, days_elapsed)
            )
            window_start = max(window_start, module.due_day)
            is_passed = module_is_passed(module, passed_pairs)
            skill_codes = [skill.code for skill in module.skills.all()]
            modules.append(
                ModuleProgress(
                    module_id=module.pk,
                    name=module.name,
                    position=module.position,
                    required_hours=_one_place(module.required_hours),
                    hours_done=done,
                    hours_remaining=_one_place(max(Decimal(0), module.required_hours - done)),
                    expected_hours=expected,
                    due_day=module.due_day,
                    passed=is_passed,
                    skills=skill_codes,
                    passed_skills=[
                        skill.code
                        for skill in module.skills.all()
                        if (module.pk, skill.pk) in passed_pairs
                    ],
                )
            )
            if not active or is_passed:
                continue
            if done < expected * (1 - PACE_SLACK):
                reasons.append(
                    BehindReason(
                        code="hours_behind",
                        module_id=module.pk,
                        message=_(
                            "「%(module)s」到第 %(day)s 天应完成约 %(expected)s 学时，"
                            "实际 %(done)s 学时。"
                        )
                        % {
                            "module": module.name,
                            "day": days_elapsed,
                            "expected": expected,
                            "done": done,
                        },
                    )
                )
            elif days_since_start > module.due_day:
                reasons.append(
                    BehindReason(
                        code="assessment_overdue",
                        module_id=module.pk,
                        message=_("「%(module)s」应在第 %(due)s 天前通过考核，尚未通过。")
                        % {"module": module.name, "due": module.due_day},
                    )
                )
        required_total = _one_place(sum((m.required_hours for m in modules), Decimal(0)))
        done_total = _one_place(sum((m.hours_done for m in modules), Decimal(0)))
        credited = sum((min(m.hours_done, m.required_hours) for m in modules), Decimal(0))
        modules_passed = sum(1 for m in modules if m.passed)
        summaries[trainee.pk] = TraineeSummary(
            trainee_id=trainee.pk,
            name=trainee.name,
            status=trainee.status,
            as_of=as_of,
            days_elapsed=days_elapsed,
            days_total=days_total,
            required_hours=required_total,
            hours_done=done_total,
            percent_done=_one_place(credited * 100 / required_total)
            if required_total
            else Decimal(0),
            modules_passed=modules_passed,
            modules_total=len(modules),
            can_graduate=active and bool(modules) and modules_passed == len(modules),
            behind_schedule=bool(reasons),
            reasons=reasons,
            modules=modules,
        )
    return summaries


def trainee_summary(*, viewer: User, trainee_id: int, today: date | None = None) -> TraineeSummary:
    trainee = trainee_get(viewer=viewer, trainee_id=trainee_id)
    return trainee_summaries([trainee], today=today)[trainee.pk]


@dataclass
class TraineeRecord:
    """A trainee's page: the trainee, its progress summary, its newest log entries and all its
    assessments (the trainee's scope is checked once, not once per part)."""

    trainee: Trainee
    summary: TraineeSummary
    logs: list[ProgressLog]
    assessments: list[Assessment]


def trainee_record(
    *, viewer: User, trainee_id: int, logs: int = 10, today: date | None = None
) -> TraineeRecord:
    trainee = trainee_get(viewer=viewer, trainee_id=trainee_id)
    return TraineeRecord(
        trainee=trainee,
        summary=trainee_summaries([trainee], today=today)[trainee.pk],
        logs=list(_logs_of(trainee)[:logs]),
        assessments=list(_assessments_of(trainee)),
    )


def cohort_summary(*, viewer: User, cohort_id: int, today: date | None = None) -> dict[str, Any]:
    cohort = cohort_get(viewer=viewer, cohort_id=cohort_id)
    trainees = list(
        Trainee.objects.filter(trainees_in_reach(viewer), cohort=cohort)
        .select_related("cohort__programme")
        .order_by("name")
    )
    summaries = trainee_summaries(trainees, today=today)
    today = today or timezone.localdate()
    rows = [summaries[t.pk] for t in trainees]
    by_status = {status: 0 for status in Trainee.Status.values}
    for row in rows:
        by_status[row.status] += 1
    days_total = cohort.programme.duration_days
    return {
        "cohort_id": cohort.pk,
        "name": cohort.name,
        "programme": cohort.programme.name,
        "start_date": cohort.start_date,
        "days_elapsed": max(0, min(days_total, (today - cohort.start_date).days)),
        "days_total": days_total,
        "trainee_count": len(rows),
        "by_status": by_status,
        "behind_count": sum(1 for row in rows if row.behind_schedule),
        "ready_to_graduate": sum(1 for row in rows if row.can_graduate),
        "trainees": rows,
    }


# --- A lead's record ------------------------------------------------------------------------

# (workshop id, the day the lead took it) → the workshop's results since: households in work,
# batches back on time, first-pass yield (the keys of ``schemas.WorkshopResultsOut``).
WorkshopResults = Callable[[int, date], dict[str, Any]]

_workshop_results: WorkshopResults | None = None


def lead_results_register(provider: WorkshopResults | None) -> None:
    """Set where a lead's record gets its workshop's results from.

    Those figures come from orders and quality, which sit above trainees, so trainees cannot
    compute them: the top layer composes them (``pages.lead_results``) and registers the
    function here when the project starts (``pages.apps``), as it does the navigation.
    Without one the record has no results (``results`` is None).
    """
    global _workshop_results
    _workshop_results = provider


def lead_record(*, viewer: User, trainee_id: int, today: date | None = None) -> dict[str, Any]:
    """A graduate's training and certificates, and, once they lead a workshop, its results
    since that day (from the registered ``WorkshopResults``)."""
    trainee = trainee_get(viewer=viewer, trainee_id=trainee_id)
    summary = trainee_summaries([trainee], today=today)[trainee.pk]
    certificates = list(
        effective_assessments()
        .filter(trainee=trainee, certified_on__isnull=False)
        .select_related("skill", "module", "assessor", "revocation")
        .order_by("certified_on", "pk")
    )
    workshop = trainee.led_workshop
    results = None
    if workshop is not None and trainee.lead_since is not None and _workshop_results is not None:
        results = _workshop_results(workshop.pk, trainee.lead_since)
    return {
        "trainee": trainee,
        "summary": summary,
        "certificates": certificates,
        "workshop_id": workshop.pk if workshop else None,
        "workshop_name": workshop.name if workshop else None,
        "lead_since": trainee.lead_since,
        "results": results,
    }
