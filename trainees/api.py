"""Training: programmes (courses), cohorts, trainees, progress, assessments, graduation."""

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from core.pagination import LimitOffsetPagination, paginate
from core.schemas import ErrorOut

from .models import ProgressLog
from .photos import photo_from_base64, photo_read_upload
from .schemas import (
    AssessmentIn,
    AssessmentOut,
    CohortIn,
    CohortOut,
    CohortSummaryOut,
    LeadRecordOut,
    MakeLeadIn,
    MakeLeadOut,
    ProgrammeIn,
    ProgrammeOut,
    ProgressIn,
    ProgressLogOut,
    RevokeIn,
    SessionIn,
    TraineeFilter,
    TraineeIn,
    TraineeOut,
    TraineeProgressOut,
    WithdrawIn,
)
from .selectors import (
    assessment_list,
    cohort_get,
    cohort_list,
    cohort_summary,
    lead_record,
    programme_get,
    programme_list,
    progress_log_list,
    trainee_get,
    trainee_list,
    trainee_summary,
)
from .services import (
    assessment_record,
    assessment_revoke,
    cohort_create,
    programme_create,
    progress_log,
    trainee_enrol,
    trainee_graduate,
    trainee_make_lead,
    trainee_withdraw,
)

router = Router(tags=["trainees"])


@router.get("/courses", response=list[ProgrammeOut], summary="Programmes and village courses")
@paginate(LimitOffsetPagination)
def list_courses(request: HttpRequest):
    return programme_list(viewer=request.user)


@router.post("/courses", response={201: ProgrammeOut}, summary="Define a programme (operator)")
def create_course(request: HttpRequest, payload: ProgrammeIn):
    programme = programme_create(actor=request.user, **payload.dict())
    return Status(201, programme_get(viewer=request.user, programme_id=programme.pk))


@router.get("/courses/{programme_id}", response=ProgrammeOut)
def read_course(request: HttpRequest, programme_id: int):
    return programme_get(viewer=request.user, programme_id=programme_id)


@router.get("/cohorts", response=list[CohortOut], summary="Cohorts I may see")
@paginate(LimitOffsetPagination)
def list_cohorts(request: HttpRequest, programme_id: int | None = None):
    return cohort_list(viewer=request.user, programme_id=programme_id)


# 404: the programme is not found.
@router.post(
    "/cohorts", response={201: CohortOut, 404: ErrorOut}, summary="Open a cohort (operator)"
)
def create_cohort(request: HttpRequest, payload: CohortIn):
    cohort = cohort_create(actor=request.user, **payload.dict())
    return Status(201, cohort_get(viewer=request.user, cohort_id=cohort.pk))


@router.get("/cohorts/{cohort_id}", response=CohortOut)
def read_cohort(request: HttpRequest, cohort_id: int):
    return cohort_get(viewer=request.user, cohort_id=cohort_id)


@router.get(
    "/cohorts/{cohort_id}/summary",
    response=CohortSummaryOut,
    summary="Every trainee of a cohort at a glance",
)
def read_cohort_summary(request: HttpRequest, cohort_id: int):
    return cohort_summary(viewer=request.user, cohort_id=cohort_id)


@router.get("/trainees", response=list[TraineeOut], summary="Trainees I may see")
@paginate(LimitOffsetPagination)
def list_trainees(request: HttpRequest, filters: Query[TraineeFilter]):
    return trainee_list(
        viewer=request.user,
        cohort_id=filters.cohort_id,
        status=filters.status,
        search=filters.search,
    )


# 404: the cohort is not found, or not one I teach.
@router.post("/trainees", response={201: TraineeOut, 404: ErrorOut}, summary="Enrol a trainee")
def enrol_trainee(request: HttpRequest, payload: TraineeIn):
    trainee = trainee_enrol(actor=request.user, **payload.dict())
    return Status(201, trainee_get(viewer=request.user, trainee_id=trainee.pk))


@router.get("/trainees/{trainee_id}", response=TraineeOut)
def read_trainee(request: HttpRequest, trainee_id: int):
    return trainee_get(viewer=request.user, trainee_id=trainee_id)


@router.get(
    "/trainees/{trainee_id}/progress",
    response=TraineeProgressOut,
    summary="The progress summary and the log (newest first)",
)
def read_progress(request: HttpRequest, trainee_id: int):
    summary = trainee_summary(viewer=request.user, trainee_id=trainee_id)
    return {
        "summary": summary,
        "logs": progress_log_list(viewer=request.user, trainee_id=trainee_id),
    }


def _log(request: HttpRequest, trainee_ids: list[int], payload: ProgressIn) -> list:
    fields = payload.dict(exclude={"photo", "trainee_ids"})
    entries = progress_log(
        actor=request.user,
        trainee_ids=trainee_ids,
        photo=photo_from_base64(payload.photo),
        **fields,
    )
    return _as_listed(entries)


def _as_listed(entries: list[ProgressLog]) -> list[ProgressLog]:
    """The new entries read back as the list reads them (module, trainer and whether a later
    entry corrects each, in one query), in the order they were made."""
    by_id = ProgressLog.objects.select_related("module", "trainer", "corrected_by").in_bulk(
        [entry.pk for entry in entries]
    )
    return [by_id[entry.pk] for entry in entries]


@router.post(
    "/trainees/{trainee_id}/progress",
    response={201: ProgressLogOut},
    summary="Log a session for one trainee, or correct an entry",
)
def log_progress(request: HttpRequest, trainee_id: int, payload: ProgressIn):
    (entry,) = _log(request, [trainee_id], payload)
    return Status(201, entry)


# 404: a trainee is not found, or not in a cohort I teach.
@router.post(
    "/progress",
    response={201: list[ProgressLogOut], 404: ErrorOut},
    summary="Log one session for several trainees of my cohorts",
)
def log_session(request: HttpRequest, payload: SessionIn):
    return Status(201, _log(request, payload.trainee_ids, payload))


# 404: as POST /progress.
@router.post(
    "/progress/upload",
    response={201: list[ProgressLogOut], 404: ErrorOut},
    summary="The same as POST /progress, as multipart form fields with a photo file",
)
def log_session_with_photo(
    request: HttpRequest, payload: Form[SessionIn], photo: File[UploadedFile] = None
):
    fields = payload.dict(exclude={"photo", "trainee_ids"})
    entries = progress_log(
        actor=request.user,
        trainee_ids=payload.trainee_ids,
        photo=photo_read_upload(photo),
        **fields,
    )
    return Status(201, _as_listed(entries))


@router.get("/trainees/{trainee_id}/assessments", response=list[AssessmentOut])
def list_assessments(request: HttpRequest, trainee_id: int):
    return assessment_list(viewer=request.user, trainee_id=trainee_id)


@router.post(
    "/trainees/{trainee_id}/assessments",
    response={201: AssessmentOut},
    summary="Assess (and, on a pass, certify) a skill",
)
def assess(request: HttpRequest, trainee_id: int, payload: AssessmentIn):
    return Status(
        201,
        assessment_record(
            actor=request.user,
            trainee_id=trainee_id,
            module_id=payload.module_id,
            skill_code=payload.skill,
            level=payload.level,
            score=payload.score,
            assessed_on=payload.assessed_on,
            notes=payload.notes,
            client_key=payload.client_key,
        ),
    )


@router.post(
    "/assessments/{assessment_id}/revoke",
    response={200: AssessmentOut, 404: ErrorOut, 409: ErrorOut},
    summary="Revoke a mistaken assessment, with a reason (its certificate flows back out)",
)
def revoke_assessment(request: HttpRequest, assessment_id: int, payload: RevokeIn):
    return assessment_revoke(actor=request.user, assessment_id=assessment_id, reason=payload.reason)


@router.post("/trainees/{trainee_id}/graduate", response=TraineeOut)
def graduate(request: HttpRequest, trainee_id: int):
    return trainee_graduate(actor=request.user, trainee_id=trainee_id)


@router.post("/trainees/{trainee_id}/withdraw", response=TraineeOut)
def withdraw(request: HttpRequest, trainee_id: int, payload: WithdrawIn):
    return trainee_withdraw(actor=request.user, trainee_id=trainee_id, reason=payload.reason)


@router.post(
    "/trainees/{trainee_id}/make-lead",
    response=MakeLeadOut,
    summary="Make a graduate the lead of an existing or a new workshop (operator)",
)
def make_lead(request: HttpRequest, trainee_id: int, payload: MakeLeadIn):
    trainee, password = trainee_make_lead(
        actor=request.user,
        trainee_id=trainee_id,
        workshop_id=payload.workshop_id,
        new_workshop=payload.new_workshop.dict() if payload.new_workshop else None,
        username=payload.username,
    )
    return {
        "trainee": trainee,
        "workshop_id": trainee.led_workshop_id,
        "lead_username": trainee.user.username,
        "initial_password": password,
    }


@router.get(
    "/trainees/{trainee_id}/record",
    response=LeadRecordOut,
    summary="A lead's training record and the workshop's results since they took it",
)
def read_record(request: HttpRequest, trainee_id: int):
    return lead_record(viewer=request.user, trainee_id=trainee_id)
