"""Switching rules (ISO 2859-1): normal, reduced, tightened and stopped inspection, kept per
workshop and product.

Rules:
- Each first-round inspection moves the counters (``sampling`` decides the step, this module
  stores it under the state's row lock); a change of severity, or a stop, writes a
  ``SwitchingEvent``.
- Normal → reduced only with the operator's approval, once the switching score allows it;
  stopped inspection resumes only by the operator, under tightened. Both start the counters
  afresh and record the operator.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role

from .. import sampling
from ..errors import SwitchingRefused, SwitchingStateNotFound
from ..models import Inspection, Severity, SwitchingEvent, SwitchingState

Role = User.Role


def _switching_state_for_update(*, workshop_id: int, product: str) -> SwitchingState:
    """The workshop's switching state for the product, locked; made on its first inspection."""
    locked = SwitchingState.objects.select_for_update()
    state = locked.filter(workshop_id=workshop_id, product=product).first()
    if state is None:  # the first lot of this workshop and product (a racer may make it too)
        SwitchingState.objects.get_or_create(workshop_id=workshop_id, product=product)
        state = locked.get(workshop_id=workshop_id, product=product)
    return state


def _switching_record(
    *,
    state: SwitchingState,
    inspection: Inspection,
    plan: sampling.SamplingPlan,
    accepted: bool,
) -> None:
    counters = sampling.SwitchingCounters(
        severity=state.severity,
        recent=state.recent,
        consecutive_accepted=state.consecutive_accepted,
        switching_score=state.switching_score,
        tightened_rejections=state.tightened_rejections,
        stopped=state.stopped,
    )
    score = state.switching_score
    if state.severity == Severity.NORMAL:
        tighter = sampling.tighter_aql(plan.aql)
        tighter_accept = None
        if tighter is not None and tighter in sampling.AQL_INDEX:
            tighter_accept = sampling.accept_number(
                letter=plan.code_letter, aql=tighter, severity="normal"
            )
        score = sampling.switching_score_after(
            state.switching_score,
            accepted=accepted,
            plan_accept=plan.accept,
            nonconforming=inspection.nonconforming,
            tighter_accept=tighter_accept,
        )
    step = sampling.switching_next(counters, accepted=accepted, score=score)
    SwitchingState.objects.filter(pk=state.pk).update(
        severity=counters.severity,
        recent=counters.recent,
        consecutive_accepted=counters.consecutive_accepted,
        switching_score=counters.switching_score,
        tightened_rejections=counters.tightened_rejections,
        stopped=counters.stopped,
        updated_at=timezone.now(),
    )
    if step.after != step.before or (step.stopped and not state.stopped):
        SwitchingEvent.objects.create(
            state=state,
            from_severity=step.before,
            to_severity=step.after,
            stopped=step.stopped,
            reason=step.reason,
            inspection=inspection,
        )


@transaction.atomic
def switching_approve_reduced(*, actor: User, state_id: int) -> SwitchingState:
    """The operator's approval to go from normal to reduced once the score reached 30."""
    ensure_role(actor, Role.OPERATOR)
    state = SwitchingState.objects.select_for_update().filter(pk=state_id).first()
    if state is None:
        raise SwitchingStateNotFound()
    if not state.reduced_eligible or state.stopped:
        raise SwitchingRefused(
            detail={"severity": state.severity, "switching_score": state.switching_score}
        )
    return _switching_set(
        actor=actor, state=state, severity=Severity.REDUCED, reason="approved_reduced"
    )


@transaction.atomic
def switching_resume(*, actor: User, state_id: int) -> SwitchingState:
    """After corrective action, the operator resumes a stopped inspection under tightened."""
    ensure_role(actor, Role.OPERATOR)
    state = SwitchingState.objects.select_for_update().filter(pk=state_id).first()
    if state is None:
        raise SwitchingStateNotFound()
    if not state.stopped:
        raise SwitchingRefused(detail={"stopped": False})
    return _switching_set(
        actor=actor, state=state, severity=Severity.TIGHTENED, reason="resumed_after_corrective"
    )


def _switching_set(
    *, actor: User, state: SwitchingState, severity: str, reason: str
) -> SwitchingState:
    SwitchingEvent.objects.create(
        state=state,
        from_severity=state.severity,
        to_severity=severity,
        stopped=False,
        reason=reason,
        actor=actor,
    )
    SwitchingState.objects.filter(pk=state.pk).update(
        severity=severity,
        recent="",
        consecutive_accepted=0,
        switching_score=0,
        tightened_rejections=0,
        stopped=False,
        updated_at=timezone.now(),
    )
    state.refresh_from_db()
    return state
