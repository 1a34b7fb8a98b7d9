"""The skill catalogue: codes looked up (an unknown or retired code is a 400 naming it), and an
operator adding, renaming and retiring skills. A skill's code is for ever; a retired skill stays
where it is but nothing new may name it.
"""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound

from ..models import Skill
from ._common import Role


class UnknownSkill(BadRequest):
    code = "unknown_skill"
    message = _("技能不在目录中。")


class SkillRetired(BadRequest):
    code = "skill_retired"
    message = _("该技能已停用，不能再选用。")


def skills_by_code(codes: list[str], *, allow_retired: bool = False) -> dict[str, Skill]:
    """The catalogue rows for ``codes``; an unknown code, or a retired one (unless
    ``allow_retired``), is a 400 that names it."""
    found = {skill.code: skill for skill in Skill.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise UnknownSkill(detail={"unknown": unknown})
    retired = sorted(code for code, skill in found.items() if skill.retired_at is not None)
    if retired and not allow_retired:
        raise SkillRetired(detail={"retired": retired})
    return found


class SkillCodeTaken(Conflict):
    code = "skill_code_taken"
    message = _("已有这个代码的技能。")


class SkillNotFound(NotFound):
    code = "skill_not_found"
    message = _("技能不存在。")


class SkillAlreadyRetired(Conflict):
    code = "skill_already_retired"
    message = _("该技能已经停用。")


@transaction.atomic
def skill_create(
    *, actor: User, code: str, name: str, name_en: str = "", key: uuid.UUID | None = None
) -> Skill:
    """An operator adds a skill to the catalogue (its code is for ever; its name may change)."""
    ensure_role(actor, Role.OPERATOR)
    if key is not None and (replay := Skill.objects.filter(creation_key=key).first()):
        return replay
    try:
        with transaction.atomic():
            return Skill.objects.create(
                code=code, name=name.strip(), name_en=name_en.strip(), creation_key=key
            )
    except IntegrityError:
        if key is not None and (replay := Skill.objects.filter(creation_key=key).first()):
            return replay
        raise SkillCodeTaken(detail={"code": code}) from None


def _skill_for_update(code: str) -> Skill:
    skill = Skill.objects.select_for_update().filter(code=code).first()
    if skill is None:
        raise SkillNotFound(detail={"code": code})
    return skill


@transaction.atomic
def skill_rename(*, actor: User, skill_code: str, name: str, name_en: str | None = None) -> Skill:
    ensure_role(actor, Role.OPERATOR)
    skill = _skill_for_update(skill_code)
    values = {"name": name.strip()}
    if name_en is not None:
        values["name_en"] = name_en.strip()
    Skill.objects.filter(pk=skill.pk).update(**values)
    skill.refresh_from_db()
    return skill


@transaction.atomic
def skill_retire(*, actor: User, skill_code: str) -> Skill:
    """An operator retires a skill: profiles, households and orders keep it, but nothing new
    may name it (``skills_by_code`` refuses it with ``skill_retired``)."""
    ensure_role(actor, Role.OPERATOR)
    skill = _skill_for_update(skill_code)
    won = Skill.objects.filter(pk=skill.pk, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    if not won:
        raise SkillAlreadyRetired(detail={"code": skill_code})
    skill.refresh_from_db()
    return skill
