"""A workshop's lead: an operator assigns or replaces them (an existing lead user of its
organisation or a new one invited); the previous lead loses the workshop and their login.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from accounts.preferences import user_locale_follow
from accounts.services import user_deactivate, user_invite
from core.errors import BadRequest, Conflict, NotFound

from ..models import (
    Workshop,
    WorkshopEvent,
)
from ._common import Role


class LeadNotInWorkshop(BadRequest):
    code = "lead_not_in_workshop"
    message = _("带头人必须是该工坊机构在用的带头人账号。")


class LeadChangeReasonRequired(BadRequest):
    code = "lead_change_reason_required"
    message = _("更换带头人必须填写原因。")


class LeadChoice(BadRequest):
    code = "lead_choice"
    message = _("请选一位已有的带头人，或新建一个带头人账号（二选一）。")


class LeadUnchanged(Conflict):
    code = "lead_unchanged"
    message = _("此人已经是该工坊的带头人。")


@transaction.atomic
def workshop_assign_lead(*, actor: User, workshop_id: int, lead: User, reason: str) -> Workshop:
    """An operator makes ``lead`` (an active lead user of the workshop's organisation) its lead.

    The previous lead, if another person, loses the workshop: their login is deactivated
    (sessions and tokens end), since a lead sees what their organisation owns. Recorded as a
    ``WorkshopEvent`` with who and why. Assigning the lead it already has changes nothing.
    """
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise LeadChangeReasonRequired()
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    if (
        lead.role != Role.LEAD
        or lead.organisation_id != workshop.organisation_id
        or not lead.is_active
    ):
        raise LeadNotInWorkshop(detail={"user": lead.username, "workshop_id": workshop_id})
    previous = workshop.lead
    if previous is not None and previous.pk == lead.pk:
        return workshop
    won = Workshop.objects.filter(pk=workshop.pk, lead=previous).update(lead=lead)
    if not won:  # pragma: no cover - the row is locked above
        raise Conflict(code="workshop_lead_changed")
    WorkshopEvent.objects.create(
        workshop=workshop,
        kind=WorkshopEvent.Kind.LEAD_ASSIGNED,
        actor=actor,
        from_lead=previous,
        to_lead=lead,
        reason=reason[:200],
    )
    if previous is not None:
        user_deactivate(user=previous)
    # The new lead reads notices in the workshop's language, in its time zone (unless they set
    # their own).
    user_locale_follow(user_id=lead.pk, language=workshop.language, time_zone=workshop.time_zone)
    workshop.lead = lead
    return workshop


@transaction.atomic
def workshop_lead_replace(
    *,
    actor: User,
    workshop_id: int,
    reason: str,
    user_id: int | None = None,
    new_lead: dict[str, Any] | None = None,
    send_sms: bool = False,
) -> tuple[Workshop, str | None]:
    """An operator assigns or replaces a workshop's lead: an existing lead user of its
    organisation (``user_id``) or a new one (``new_lead``: username, display_name, phone,
    key), who gets a one-time set-password link. Returns the workshop and that link's path
    (None for an existing user). The old lead loses the workshop (``workshop_assign_lead``).
    """
    ensure_role(actor, Role.OPERATOR)
    if (user_id is None) == (new_lead is None):
        raise LeadChoice()
    if not (reason or "").strip():
        raise LeadChangeReasonRequired()
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    link = None
    if new_lead is not None:
        lead, link = user_invite(
            actor=actor,
            role=Role.LEAD,
            organisation_id=workshop.organisation_id,
            send_sms=send_sms,
            **new_lead,
        )
    else:
        lead = User.objects.filter(pk=user_id).first()
        if lead is None:
            raise LeadNotInWorkshop(detail={"user_id": user_id, "workshop_id": workshop_id})
        if workshop.lead_id == lead.pk:
            raise LeadUnchanged(detail={"user_id": user_id})
    workshop = workshop_assign_lead(actor=actor, workshop_id=workshop.pk, lead=lead, reason=reason)
    return workshop, link
