"""Households: registered by an operator or the workshop's lead (a repeat with the form's key
returns the same one), corrected by an operator (masked before and after in an event),
deactivated with a reason or taken back, never deleted.
"""

import uuid
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, Forbidden, NotFound
from core.locales import check_language, check_time_zone
from core.privacy import mask_account, mask_phone

from ..models import (
    Household,
    HouseholdEvent,
    HouseholdSkill,
    SkillLevel,
    Workshop,
)
from ._common import Role, _plain
from .catalogue import skills_by_code
from .privacy import HouseholdErased


@transaction.atomic
def household_create(
    *,
    actor: User,
    workshop_id: int,
    name: str,
    members: int = 1,
    village: str = "",
    phone: str = "",
    payment_account: str = "",
    payment_account_name: str = "",
    birth_year: int | None = None,
    skills: dict[str, int] | None = None,
    joined_on: date | None = None,
    key: uuid.UUID | None = None,
) -> Household:
    """An operator, or the lead of this workshop, registers a household. A repeat with the
    same ``key`` (the form's) returns the household it made."""
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    if key is not None and (replay := Household.objects.filter(creation_key=key).first()):
        if replay.workshop_id != workshop_id:
            raise Conflict(code="key_reused", detail={"key": str(key)})
        return replay
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is None or not (
        is_operator(actor) or workshop.organisation_id == actor.organisation_id
    ):
        raise NotFound(code="workshop_not_found")
    if workshop.status != Workshop.Status.ACTIVE and not is_operator(actor):
        raise Forbidden(_("工坊已暂停，不能登记新农户。"), code="workshop_suspended")
    skills = skills or {}
    catalogue = skills_by_code(list(skills))
    household = Household(
        workshop=workshop,
        name=name,
        members=members,
        village=village,
        phone=phone,
        payment_account=payment_account,
        payment_account_name=payment_account_name or name,
        birth_year=birth_year,
        creation_key=key,
    )
    if joined_on is not None:
        household.joined_on = joined_on
    household.save()
    HouseholdSkill.objects.bulk_create(
        HouseholdSkill(household=household, skill=catalogue[code], level=SkillLevel(level))
        for code, level in skills.items()
    )
    return household


HOUSEHOLD_FIELDS = (
    "name",
    "members",
    "phone",
    "payment_account",
    "payment_account_name",
    "birth_year",  # the passbook's second factor
)
# Never a second copy of a number in the events; the birth year is the passbook's factor.
_MASKED = {
    "phone": mask_phone,
    "payment_account": mask_account,
    "birth_year": lambda year: "****" if year else "",
}
HOUSEHOLD_LOCALE_FIELDS = ("language", "time_zone")


class HouseholdNotFound(NotFound):
    code = "household_not_found"
    message = _("农户不存在。")


class HouseholdStatusUnchanged(Conflict):
    code = "household_status_unchanged"
    message = _("农户已经是这个状态。")


class HouseholdReasonRequired(BadRequest):
    code = "household_reason_required"
    message = _("停用农户必须填写原因。")


def _household_for_update(*, household_id: int) -> Household:
    household = Household.objects.select_for_update().filter(pk=household_id).first()
    if household is None:
        raise HouseholdNotFound(detail={"household_id": household_id})
    if household.erased_at is not None:  # anonymised on request: never edited back
        raise HouseholdErased(detail={"household_id": household_id})
    return household


@transaction.atomic
def household_update(
    *, actor: User, household_id: int, reason: str = "", **fields: Any
) -> Household:
    """An operator corrects a household's name, members, phone or payment account, or sets its
    language or time zone ("": its workshop's; an unknown one is a 400, see core.locales).

    Each change is a ``HouseholdEvent`` with the fields' before and after (phone and account
    masked: the event is a record of the change, not a second copy of the numbers).
    """
    ensure_role(actor, Role.OPERATOR)
    unknown = set(fields) - set(HOUSEHOLD_FIELDS) - set(HOUSEHOLD_LOCALE_FIELDS)
    if unknown:
        raise BadRequest(detail={"unknown_fields": sorted(unknown)})
    if "language" in fields:
        check_language(fields["language"], blank=True)
    if "time_zone" in fields:
        check_time_zone(fields["time_zone"], blank=True)
    household = _household_for_update(household_id=household_id)
    values = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    before = {name: getattr(household, name) for name in values}
    changed = {name for name, value in values.items() if before[name] != value}
    if not changed:
        return household
    Household.objects.filter(pk=household.pk).update(**{n: values[n] for n in changed})
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.EDITED,
        actor=actor,
        reason=(reason or "").strip()[:200],
        changes={
            name: [
                _MASKED.get(name, _plain)(before[name]),
                _MASKED.get(name, _plain)(values[name]),
            ]
            for name in sorted(changed)
        },
    )
    household.refresh_from_db()
    return household


@transaction.atomic
def household_set_active(
    *, actor: User, household_id: int, active: bool, reason: str = ""
) -> Household:
    """An operator deactivates a household (it leaves the lists and pickers; its tickets,
    lots and payouts stay) or takes it back. Never a delete. Deactivation needs a reason."""
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not active and not reason:
        raise HouseholdReasonRequired()
    household = _household_for_update(household_id=household_id)
    won = Household.objects.filter(pk=household.pk, is_active=not active).update(is_active=active)
    if not won:
        raise HouseholdStatusUnchanged(detail={"is_active": active})
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.REACTIVATED if active else HouseholdEvent.Kind.DEACTIVATED,
        actor=actor,
        reason=reason[:200],
    )
    household.refresh_from_db()
    return household
