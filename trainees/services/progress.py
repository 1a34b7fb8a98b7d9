"""Writes for progress: a trainer logs a session for trainees, or corrects one entry.

The phone may send the same request twice (``client_key``); corrections add a row that
replaces the old one in every sum, never edit it; no trainee logs more than 12 hours a day.
"""

import uuid
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound

from ..models import MAX_HOURS_PER_DAY, Cohort, Module, ProgressLog, Trainee
from ..photos import photo_clean
from ..selectors import effective_logs
from .guards import (
    DateBeforeCohortStart,
    ModuleNotInProgramme,
    TraineeNotInTraining,
    check_day,
    check_score,
    locked_trainees,
    start_training,
)

Role = User.Role


class HoursOutOfRange(BadRequest):
    code = "hours_out_of_range"
    message = _("学时必须大于 0 且不超过 12 小时。")


class DailyHoursExceeded(BadRequest):
    code = "daily_hours_exceeded"
    message = _("该学员当天的学时合计将超过 12 小时。")


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


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = _("这个请求编号已用于另一条记录。")


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
    trainees = locked_trainees(actor, trainee_ids)
    check_day(date, today)
    check_score(score)
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
        start_training(trainee)
    return logs
