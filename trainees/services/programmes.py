"""Writes for setting training up: an operator's programmes (with modules) and cohorts."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound
from core.nplusone import loop_of_writes
from workshops.services import skills_by_code

from ..models import Cohort, Module, Programme

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
    with loop_of_writes("trainees.Module"):  # one module and its skills at a time
        _modules_create(programme, modules, catalogue)
    return programme


def _modules_create(programme, modules, catalogue) -> None:
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
