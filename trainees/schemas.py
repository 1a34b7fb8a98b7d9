import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from ninja import Field, Schema

from core.media import media_url
from core.schemas import InSchema
from workshops.schemas import WorkshopIn

from .models import Cohort, Programme, Trainee

# Ranges that are domain rules (hours, scores, levels, dates) are checked by the services,
# each with its own error code; the schemas only check shape.


class ModuleIn(InSchema):
    name: str = Field(..., min_length=1, max_length=60)
    required_hours: Decimal = Field(..., gt=0, max_digits=6, decimal_places=1)
    due_day: int = Field(..., ge=1, le=730)
    pass_score: int = Field(60, ge=0, le=100)
    skills: list[str] = Field(default_factory=list, description="skill codes assessed")


class ModuleOut(Schema):
    id: int
    position: int
    name: str
    required_hours: Decimal
    due_day: int
    pass_score: int
    skills: list[str]

    @staticmethod
    def resolve_skills(obj) -> list[str]:
        return [skill.code for skill in obj.skills.all()]


class ProgrammeIn(InSchema):
    code: str = Field(..., pattern=r"^[a-z0-9-]{2,40}$")
    name: str = Field(..., min_length=2, max_length=80)
    kind: Literal["lead", "village"]
    duration_days: int = Field(..., ge=1, le=730)
    description: str = Field("", max_length=2000)
    modules: list[ModuleIn]


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    duration_days: int
    description: str
    required_hours: Decimal
    modules: list[ModuleOut]

    @staticmethod
    def resolve_kind_label(obj: Programme) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_required_hours(obj: Programme) -> Decimal:
        return sum((m.required_hours for m in obj.modules.all()), Decimal(0))

    @staticmethod
    def resolve_modules(obj: Programme) -> list:
        return list(obj.modules.all())


class CohortIn(InSchema):
    programme_id: int
    name: str = Field(..., min_length=2, max_length=80)
    start_date: date
    place_kind: Literal["yiwu_base", "village"]
    place: str = Field(..., min_length=2, max_length=120)
    trainer_ids: list[int] = Field(default_factory=list)


class PersonOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class CohortOut(Schema):
    id: int
    programme_id: int
    programme: str
    name: str
    start_date: date
    end_date: date
    place_kind: str
    place_kind_label: str
    place: str
    trainers: list[PersonOut]
    trainee_count: int

    @staticmethod
    def resolve_programme(obj: Cohort) -> str:
        return obj.programme.name

    @staticmethod
    def resolve_end_date(obj: Cohort) -> date:
        return obj.start_date + timedelta(days=obj.programme.duration_days)

    @staticmethod
    def resolve_place_kind_label(obj: Cohort) -> str:
        return str(obj.get_place_kind_display())

    @staticmethod
    def resolve_trainers(obj: Cohort) -> list:
        return list(obj.trainers.all())

    @staticmethod
    def resolve_trainee_count(obj: Cohort) -> int:
        return getattr(obj, "trainee_count", 0)


class TraineeIn(InSchema):
    cohort_id: int
    name: str = Field(..., min_length=1, max_length=60)
    province: str = Field(..., min_length=2, max_length=40)
    county: str = Field(..., min_length=2, max_length=40)
    village: str = Field("", max_length=40)
    phone: str = Field("", pattern=r"^(1\d{10})?$")
    background: Literal["returnee_graduate", "local_backbone", "villager"]
    household_id: int | None = None
    user_id: int | None = None


class TraineeFilter(Schema):
    cohort_id: int | None = None
    status: str | None = None
    search: str = ""


class TraineeOut(Schema):
    id: int
    cohort_id: int
    cohort: str
    programme: str
    name: str
    origin: str
    province: str
    county: str
    village: str
    background: str
    background_label: str
    status: str
    status_label: str
    withdraw_reason: str
    withdrawn_on: date | None
    graduated_on: date | None
    household_id: int | None
    household: str | None
    username: str | None
    led_workshop_id: int | None
    led_workshop: str | None
    lead_since: date | None
    enrolled_on: date

    @staticmethod
    def resolve_cohort(obj: Trainee) -> str:
        return obj.cohort.name

    @staticmethod
    def resolve_programme(obj: Trainee) -> str:
        return obj.cohort.programme.name

    @staticmethod
    def resolve_background_label(obj: Trainee) -> str:
        return str(obj.get_background_display())

    @staticmethod
    def resolve_status_label(obj: Trainee) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_household(obj: Trainee) -> str | None:
        return obj.household.name if obj.household_id else None

    @staticmethod
    def resolve_username(obj: Trainee) -> str | None:
        return obj.user.username if obj.user_id else None

    @staticmethod
    def resolve_led_workshop(obj: Trainee) -> str | None:
        return obj.led_workshop.name if obj.led_workshop_id else None


class ProgressIn(InSchema):
    module_id: int
    date: date
    hours: Decimal = Field(..., max_digits=4, decimal_places=1)
    activity: str = Field(..., min_length=1, max_length=200, description="what was done")
    score: int | None = None
    notes: str = Field("", max_length=2000)
    photo: str | None = Field(
        None, description="optional photo of the work: base64 (a data: URL is fine)"
    )
    corrects_id: int | None = Field(None, description="the entry this one corrects")
    correction_reason: str = Field("", max_length=200)
    client_key: uuid.UUID | None = Field(
        None, description="the phone's idempotency key: a repeat returns the same entries"
    )


class SessionIn(ProgressIn):
    trainee_ids: list[int] = Field(..., min_length=1, max_length=200)


class ProgressLogOut(Schema):
    id: int
    trainee_id: int
    module_id: int
    module: str
    trainer: str
    date: date
    hours: Decimal
    activity: str
    score: int | None
    notes: str
    photo_url: str | None
    corrects_id: int | None
    correction_reason: str
    superseded: bool
    created_at: str

    @staticmethod
    def resolve_module(obj) -> str:
        return obj.module.name

    @staticmethod
    def resolve_trainer(obj) -> str:
        return str(obj.trainer)

    @staticmethod
    def resolve_photo_url(obj) -> str | None:
        return media_url(obj.photo) if obj.photo else None

    @staticmethod
    def resolve_superseded(obj) -> bool:
        return hasattr(obj, "corrected_by")

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()


class ModuleProgressOut(Schema):
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


class BehindReasonOut(Schema):
    code: str
    module_id: int
    message: str


class TraineeSummaryOut(Schema):
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
    reasons: list[BehindReasonOut]
    modules: list[ModuleProgressOut]


class TraineeProgressOut(Schema):
    summary: TraineeSummaryOut
    logs: list[ProgressLogOut]


class CohortSummaryOut(Schema):
    cohort_id: int
    name: str
    programme: str
    start_date: date
    days_elapsed: int
    days_total: int
    trainee_count: int
    by_status: dict[str, int]
    behind_count: int
    ready_to_graduate: int
    trainees: list[TraineeSummaryOut]


class AssessmentIn(InSchema):
    module_id: int
    skill: str | None = Field(None, description="skill code, for a module assessed by skill")
    level: int | None = Field(None, description="1 初级, 2 中级, 3 高级")
    score: int
    assessed_on: date
    notes: str = Field("", max_length=2000)
    client_key: uuid.UUID | None = Field(
        None, description="made by the phone: a repeat returns the assessment already recorded"
    )


class AssessmentOut(Schema):
    id: int
    trainee_id: int
    module_id: int
    module: str
    skill: str | None
    skill_name: str | None
    level: int | None
    level_label: str | None
    score: int
    passed: bool
    assessed_on: date
    certified_on: date | None
    assessor: str
    notes: str
    revoked: bool = Field(description="revoked as a mistake: it no longer counts")
    revoked_at: datetime | None
    revoked_by: str | None
    revocation_reason: str | None

    @staticmethod
    def resolve_module(obj) -> str:
        return obj.module.name

    @staticmethod
    def _revocation(obj):
        try:
            return obj.revocation
        except ObjectDoesNotExist:
            return None

    @staticmethod
    def resolve_revoked(obj) -> bool:
        return AssessmentOut._revocation(obj) is not None

    @staticmethod
    def resolve_revoked_at(obj) -> datetime | None:
        revocation = AssessmentOut._revocation(obj)
        return revocation.revoked_at if revocation else None

    @staticmethod
    def resolve_revoked_by(obj) -> str | None:
        revocation = AssessmentOut._revocation(obj)
        return str(revocation.revoked_by) if revocation else None

    @staticmethod
    def resolve_revocation_reason(obj) -> str | None:
        revocation = AssessmentOut._revocation(obj)
        return revocation.reason if revocation else None

    @staticmethod
    def resolve_skill(obj) -> str | None:
        return obj.skill.code if obj.skill_id else None

    @staticmethod
    def resolve_skill_name(obj) -> str | None:
        return obj.skill.name if obj.skill_id else None

    @staticmethod
    def resolve_level_label(obj) -> str | None:
        return str(obj.get_level_display()) if obj.level else None

    @staticmethod
    def resolve_assessor(obj) -> str:
        return str(obj.assessor)


class RevokeIn(InSchema):
    reason: str = Field(..., max_length=200, description="why the assessment was a mistake")


class WithdrawIn(InSchema):
    reason: str = Field(..., min_length=1, max_length=200)


class MakeLeadIn(InSchema):
    workshop_id: int | None = Field(None, description="an existing workshop …")
    new_workshop: WorkshopIn | None = Field(None, description="… or a new one (one of the two)")
    username: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.@+-]{3,150}$",
        description="login for a graduate who has none",
    )


class MakeLeadOut(Schema):
    trainee: TraineeOut
    workshop_id: int
    lead_username: str
    initial_password: str | None = Field(
        None, description="only when a login was created now; shown once"
    )


class WorkshopResultsOut(Schema):
    since: date
    households_in_work: int
    batches_returned: int
    batches_on_time: int
    on_time_rate: Decimal | None = Field(None, description="0..1, of batches returned")
    first_pass_yield: Decimal | None = Field(None, description="0..1, from quality")
    first_pass_yield_period: Literal["since_lead", "all_time"] | None


class LeadRecordOut(Schema):
    trainee: TraineeOut
    summary: TraineeSummaryOut
    certificates: list[AssessmentOut]
    workshop_id: int | None
    workshop_name: str | None
    lead_since: date | None
    results: WorkshopResultsOut | None
