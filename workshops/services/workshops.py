"""A workshop's life: an operator registers it (a repeat with the same key returns it), corrects
its particulars (an event with each field's before and after), suspends or reactivates it (a
conditional update, with who and why); ``workshop_update`` is the one entry for capacity, skills
and particulars together.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator
from accounts.preferences import user_locale_follow
from core.errors import BadRequest, Conflict, NotFound
from core.locales import check_language, check_time_zone

from ..models import (
    Workshop,
    WorkshopEvent,
    WorkshopSkill,
)
from ._common import Role, _plain, _workshop_for_update
from .capacity import workshop_capacity_request
from .catalogue import skills_by_code
from .locales import workshop_locale_set
from .skills import LeadCannotChangeSkills, workshop_skills_set


class UnknownServiceCenter(BadRequest):
    code = "unknown_service_center"
    message = _("服务中心不存在。")


class WorkshopNameTaken(Conflict):
    code = "workshop_name_taken"
    message = _("已有同名的工坊，请换一个名称（可加上村名）。")


@transaction.atomic
def workshop_create(
    *,
    actor: User,
    name: str,
    province: str,
    county: str,
    township: str = "",
    village: str = "",
    service_center_id: int,
    daily_capacity: int,
    skills: dict[str, int],
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    lead: User | None = None,
    key: uuid.UUID | None = None,
    language: str | None = None,
    time_zone: str | None = None,
) -> Workshop:
    """An operator registers a workshop: its organisation (under a service center), capacity,
    first skill profile, and its language and time zone (None or "": the site's defaults; an
    unknown one is 400 ``unknown_language`` / ``unknown_time_zone`` and nothing is written).
    A repeat with the same ``key`` returns the same workshop."""
    ensure_role(actor, Role.OPERATOR)
    if (replay := _workshop_by_key(key)) is not None:
        return replay
    locale = {}
    if language:
        check_language(language)
        locale["language"] = language
    if time_zone:
        check_time_zone(time_zone)
        locale["time_zone"] = time_zone
    center = Organisation.objects.filter(
        pk=service_center_id, kind=Organisation.Kind.SERVICE_CENTER
    ).first()
    if center is None:
        raise UnknownServiceCenter(detail={"service_center_id": service_center_id})
    catalogue = skills_by_code(list(skills))
    try:
        with transaction.atomic():  # the unique (kind, name) decides, also between two racers
            organisation = Organisation.objects.create(
                kind=Organisation.Kind.WORKSHOP,
                name=name,
                province=province,
                county=county,
                township=township,
                village=village,
                latitude=latitude,
                longitude=longitude,
                service_center=center,
                creation_key=key,
            )
    except IntegrityError:
        if (replay := _workshop_by_key(key)) is not None:
            return replay
        raise WorkshopNameTaken(detail={"name": name}) from None
    workshop = Workshop.objects.create(
        organisation=organisation, daily_capacity=daily_capacity, lead=lead, **locale
    )
    if lead is not None and locale:
        user_locale_follow(
            user_id=lead.pk, language=workshop.language, time_zone=workshop.time_zone
        )
    WorkshopEvent.objects.create(
        workshop=workshop, kind=WorkshopEvent.Kind.CREATED, actor=actor, to_lead=lead
    )
    WorkshopSkill.objects.bulk_create(
        WorkshopSkill(workshop=workshop, skill=catalogue[code], level=level)
        for code, level in skills.items()
    )
    return workshop


def _workshop_by_key(key: uuid.UUID | None) -> Workshop | None:
    if key is None:
        return None
    return Workshop.objects.filter(organisation__creation_key=key).first()


class WorkshopStatusUnchanged(Conflict):
    code = "workshop_status_unchanged"
    message = _("工坊已经是这个状态。")


@transaction.atomic
def workshop_set_status(
    *, actor: User, workshop_id: int, status: str, reason: str = ""
) -> Workshop:
    """An operator suspends a workshop (no new claims, no new households) or reactivates it.

    Batches it already holds stay with it: suspension stops new work, not work under way.
    The move is a conditional update from the other status, recorded with who and why.
    """
    ensure_role(actor, Role.OPERATOR)
    if status not in Workshop.Status.values:
        raise BadRequest(code="workshop_status_invalid", detail={"status": status})
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    won = Workshop.objects.filter(pk=workshop.pk).exclude(status=status).update(status=status)
    if not won:
        raise WorkshopStatusUnchanged(detail={"status": status})
    WorkshopEvent.objects.create(
        workshop=workshop,
        kind=(
            WorkshopEvent.Kind.SUSPENDED
            if status == Workshop.Status.SUSPENDED
            else WorkshopEvent.Kind.ACTIVATED
        ),
        actor=actor,
        reason=(reason or "").strip()[:200],
    )
    workshop.refresh_from_db()
    return workshop


@transaction.atomic
def workshop_update(
    *,
    actor: User,
    workshop_id: int,
    daily_capacity: int | None = None,
    skills: dict[str, int] | None = None,
    reason: str = "",
    language: str | None = None,
    time_zone: str | None = None,
    **profile: Any,
) -> Workshop:
    """An operator, or the workshop's own lead, updates its daily capacity; an operator its skills
    and particulars (``profile``: name, place, service center; ``workshop_profile_update``),
    language and time zone (``workshop_locale_set``).

    The capacity goes through ``workshop_capacity_request`` (recorded; a lead's large increase
    waits for an operator). ``skills`` is an operator's replacement of the profile, with a
    reason (``workshop_skills_set``); a lead sending skills is refused and nothing changes.
    """
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    if skills is not None and not is_operator(actor):
        raise LeadCannotChangeSkills(detail={"workshop_id": workshop_id})
    profile = {name: value for name, value in profile.items() if value is not None}
    if language is not None or time_zone is not None:
        workshop_locale_set(
            actor=actor, workshop_id=workshop.pk, language=language, time_zone=time_zone
        )
    if profile:
        ensure_role(actor, Role.OPERATOR)
        workshop_profile_update(actor=actor, workshop_id=workshop.pk, **profile)
    if skills is not None:
        workshop_skills_set(actor=actor, workshop_id=workshop.pk, skills=skills, reason=reason)
    if daily_capacity is not None:
        workshop_capacity_request(
            actor=actor, workshop_id=workshop.pk, daily_capacity=daily_capacity, reason=reason
        )
    workshop.refresh_from_db()
    return workshop


WORKSHOP_PROFILE_FIELDS = (
    "name",
    "province",
    "county",
    "township",
    "village",
    "latitude",
    "longitude",
    "service_center_id",
)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    return {
        name: [_plain(before[name]), _plain(value)]
        for name, value in after.items()
        if before[name] != value
    }


@transaction.atomic
def workshop_profile_update(*, actor: User, workshop_id: int, **fields: Any) -> Workshop:
    """An operator corrects a workshop's name, place or service center; recorded as an event
    with each field's before and after. (Capacity and skills have their own rules.)"""
    ensure_role(actor, Role.OPERATOR)
    unknown = set(fields) - set(WORKSHOP_PROFILE_FIELDS)
    if unknown:
        raise BadRequest(detail={"unknown_fields": sorted(unknown)})
    workshop = _workshop_for_update(actor=actor, workshop_id=workshop_id)
    organisation = Organisation.objects.select_for_update().get(pk=workshop.organisation_id)
    values = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "service_center_id" in values:
        center_id = values["service_center_id"]
        if not Organisation.objects.filter(
            pk=center_id, kind=Organisation.Kind.SERVICE_CENTER
        ).exists():
            raise UnknownServiceCenter(detail={"service_center_id": center_id})
    before = {name: getattr(organisation, name) for name in values}
    changes = _changes(before, values)
    if not changes:
        return workshop
    try:
        with transaction.atomic():
            Organisation.objects.filter(pk=organisation.pk).update(**values)
    except IntegrityError:
        raise WorkshopNameTaken(detail={"name": values.get("name")}) from None
    WorkshopEvent.objects.create(
        workshop=workshop, kind=WorkshopEvent.Kind.EDITED, actor=actor, changes=changes
    )
    workshop.refresh_from_db()
    return workshop
