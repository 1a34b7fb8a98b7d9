"""What every write about a trainee checks first: the trainee in view and locked, the day,
the score, and (once something is recorded) that training has started.

Every guard runs before anything is written, inside one transaction, with the trainee's row
locked (so two phones logging for the same person on the same day cannot both pass the
12-hour check). Bad input raises a specific error and leaves nothing changed.
"""

from datetime import date

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import is_operator
from core.errors import BadRequest, Conflict

from ..models import MAX_SCORE, Trainee
from ..selectors import TraineeNotFound, trainees_in_reach


class DateInFuture(BadRequest):
    code = "date_in_future"
    message = _("日期不能晚于今天。")


class DateBeforeCohortStart(BadRequest):
    code = "date_before_cohort_start"
    message = _("日期早于开班日期。")


class ScoreOutOfRange(BadRequest):
    code = "score_out_of_range"
    message = _("得分必须在 0 到 100 之间。")


class ModuleNotInProgramme(BadRequest):
    code = "module_not_in_programme"
    message = _("该模块不属于学员所在班级的培训项目。")


class TraineeNotInTraining(Conflict):
    code = "trainee_not_in_training"
    message = _("学员已结业或已退出，不能再记录。")


def locked_trainees(actor: User, trainee_ids: list[int]) -> list[Trainee]:
    """Lock, in id order, the trainees ``actor`` may log for, assess or certify (those of its
    cohorts within its reach, see ``selectors.trainees_in_reach``); 404 naming any other."""
    ids = sorted(set(trainee_ids))
    rows = Trainee.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    if not is_operator(actor):
        # Filtering the locked query itself on the joins would lock their rows too; check apart.
        allowed = set(
            Trainee.objects.filter(trainees_in_reach(actor), pk__in=ids).values_list(
                "pk", flat=True
            )
        )
        outside = [pk for pk in ids if pk not in allowed]
        if outside:
            raise TraineeNotFound(detail={"trainee_ids": outside})
    trainees = list(rows)
    missing = sorted(set(ids) - {t.pk for t in trainees})
    if missing:
        raise TraineeNotFound(detail={"trainee_ids": missing})
    return trainees


def check_day(value: date, today: date) -> None:
    if value > today:
        raise DateInFuture(detail={"date": value.isoformat(), "today": today.isoformat()})


def check_score(score: int | None) -> None:
    if score is not None and not 0 <= score <= MAX_SCORE:
        raise ScoreOutOfRange(detail={"score": score, "min": 0, "max": MAX_SCORE})


def start_training(trainee: Trainee) -> None:
    """The first log or assessment moves an enrolled trainee into training."""
    if trainee.status == Trainee.Status.ENROLLED:
        Trainee.objects.filter(pk=trainee.pk, status=Trainee.Status.ENROLLED).update(
            status=Trainee.Status.IN_TRAINING
        )
        trainee.status = Trainee.Status.IN_TRAINING
