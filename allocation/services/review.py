"""Reviewing a run: while a run is ``proposed`` an operator may leave proposals out (``excluded``,
with who, when and an optional reason) and put them back, each under the run's row lock, so it
is never half way through an apply. Ids that are not the run's, or not proposals with a
workshop, are refused and change nothing. Left-out proposals stay, recorded, never deleted.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role

from ..models import AllocationProposal, AllocationRun
from ..selectors import (
    AllocationRunNotFound,
)
from ._common import Role
from .errors import (
    AllocationProposalNotFound,
    AllocationProposalsNotInRun,
    AllocationProposalsNotReviewable,
    AllocationRunApplying,
    AllocationRunNotProposed,
)


def _reviewable(run_id: int, proposal_ids: list[int]) -> None:
    """Every id is a proposal of this run with a workshop, not applied yet (else 400)."""
    found = dict(
        AllocationProposal.objects.filter(run_id=run_id, pk__in=proposal_ids).values_list(
            "pk", "status"
        )
    )
    missing = [pk for pk in proposal_ids if pk not in found]
    if missing:
        raise AllocationProposalsNotInRun(detail={"run_id": run_id, "proposal_ids": missing})
    reviewable = (AllocationProposal.Status.PROPOSED, AllocationProposal.Status.EXCLUDED)
    wrong = {pk: status for pk, status in found.items() if status not in reviewable}
    if wrong:
        raise AllocationProposalsNotReviewable(
            detail={"run_id": run_id, "proposal_ids": sorted(wrong), "statuses": wrong}
        )


def _leave_out(run_id: int, actor: User, proposal_ids: list[int], reason: str) -> None:
    _reviewable(run_id, proposal_ids)
    AllocationProposal.objects.filter(
        run_id=run_id, pk__in=proposal_ids, status=AllocationProposal.Status.PROPOSED
    ).update(
        status=AllocationProposal.Status.EXCLUDED,
        excluded_by=actor,
        excluded_at=timezone.now(),
        exclude_reason=reason.strip()[:200],
    )


def _run_under_review(run_id: int) -> AllocationRun:
    """The run, row-locked and still ``proposed`` (the lock an apply's take waits for)."""
    run = AllocationRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise AllocationRunNotFound(detail={"run_id": run_id})
    if run.status == AllocationRun.Status.APPLYING:
        raise AllocationRunApplying(detail={"run_id": run_id})
    if run.status != AllocationRun.Status.PROPOSED:
        raise AllocationRunNotProposed(detail={"run_id": run_id, "status": run.status})
    return run


def _proposal_of(run: AllocationRun, proposal_id: int) -> AllocationProposal:
    proposal = run.proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise AllocationProposalNotFound(detail={"run_id": run.pk, "proposal_id": proposal_id})
    return proposal


@transaction.atomic
def allocation_proposal_exclude(
    *, actor: User, run_id: int, proposal_id: int, reason: str = ""
) -> AllocationProposal:
    """Leave one proposal of a run under review out of its apply (``不分配此批``).

    Repeating it is harmless (a new reason replaces an old one). The run must be ``proposed``
    (409 otherwise); the proposal must have a workshop (400 ``..._not_reviewable``).
    """
    ensure_role(actor, Role.OPERATOR)
    run = _run_under_review(run_id)
    proposal = _proposal_of(run, proposal_id)
    if proposal.status == AllocationProposal.Status.EXCLUDED and reason.strip():
        run.proposals.filter(pk=proposal.pk).update(exclude_reason=reason.strip()[:200])
    elif proposal.status != AllocationProposal.Status.EXCLUDED:
        _leave_out(run.pk, actor, [proposal.pk], reason)
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def allocation_proposal_restore(
    *, actor: User, run_id: int, proposal_id: int
) -> AllocationProposal:
    """Put a left-out proposal back into the run under review (harmless when it is not out)."""
    ensure_role(actor, Role.OPERATOR)
    run = _run_under_review(run_id)
    proposal = _proposal_of(run, proposal_id)
    _reviewable(run.pk, [proposal.pk])
    run.proposals.filter(pk=proposal.pk, status=AllocationProposal.Status.EXCLUDED).update(
        status=AllocationProposal.Status.PROPOSED,
        excluded_by=None,
        excluded_at=None,
        exclude_reason="",
    )
    proposal.refresh_from_db()
    return proposal
