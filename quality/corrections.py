"""Corrections an operator makes to quality's records: each one a new event with who and why.

What an inspection decided is never edited (the database refuses it, see
``migrations/0003_decision_guards.py``); the admin only shows these rows. An operator corrects
through the services: a rejected lot's disposition and re-inspection, a payout adjustment for
money already paid, and for the switching rules, the approval of reduced inspection, the
resumption of a stopped one (``quality.services``), or the reset below.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest

from .errors import SwitchingRefused, SwitchingStateNotFound
from .models import Severity, SwitchingEvent, SwitchingState

OPERATOR_RESET = "operator_reset"


class CorrectionReasonRequired(BadRequest):
    code = "correction_reason_required"
    message = _("更正必须填写原因。")


@transaction.atomic
def switching_reset(*, actor: User, state_id: int, reason: str) -> SwitchingState:
    """An operator puts a workshop and product back to normal inspection with clean counters.

    For a history that no longer describes the work (a new process, a mistaken product name,
    a checker's keying error behind a switch), and always with the operator's reason, recorded
    as a ``SwitchingEvent``. A stopped inspection is not reset: it resumes under tightened
    inspection after corrective action (``switching_resume``), as ISO 2859-1 requires.
    """
    ensure_role(actor, User.Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionReasonRequired()
    state = SwitchingState.objects.select_for_update().filter(pk=state_id).first()
    if state is None:
        raise SwitchingStateNotFound()
    if state.stopped:
        raise SwitchingRefused(detail={"stopped": True})
    SwitchingEvent.objects.create(
        state=state,
        from_severity=state.severity,
        to_severity=Severity.NORMAL,
        stopped=False,
        reason=OPERATOR_RESET,
        note=reason[:200],
        actor=actor,
    )
    SwitchingState.objects.filter(pk=state.pk).update(
        severity=Severity.NORMAL,
        recent="",
        consecutive_accepted=0,
        switching_score=0,
        tightened_rejections=0,
        stopped=False,
        updated_at=timezone.now(),
    )
    state.refresh_from_db()
    return state
