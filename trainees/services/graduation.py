"""Writes for leaving the programme: graduate, withdraw, and a graduate made a workshop's lead."""

import secrets
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from accounts.services import user_create
from core.errors import BadRequest, Conflict, NotFound
from workshops.models import Workshop
from workshops.services import workshop_assign_lead, workshop_create

from ..models import TRAINEE_TRANSITIONS, Trainee
from ..selectors import trainee_summaries
from .guards import locked_trainees

Role = User.Role


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
    (trainee,) = locked_trainees(actor, [trainee_id])
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
    (trainee,) = locked_trainees(actor, [trainee_id])
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
    (trainee,) = locked_trainees(actor, [trainee_id])
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
    workshop_assign_lead(
        actor=actor, workshop_id=workshop.pk, lead=user, reason=str(_("结业学员成为带头人"))
    )
    Trainee.objects.filter(pk=trainee.pk).update(user=user, led_workshop=workshop, lead_since=today)
    trainee.user, trainee.led_workshop, trainee.lead_since = user, workshop, today
    return trainee, password
