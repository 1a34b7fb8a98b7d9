"""Writes for smart allocation (智能匹配): start a run, execute it, apply its proposals.

A run is started by an operator. Small runs execute in the request; large ones
(more than ``INLINE_LIMIT`` open batches, or when asked) go to the Celery worker with their
progress in a ``jobs.Job``. Executing loads the problem in a few bulk queries
(``allocation.selectors``), runs the pure engine (``allocation.engine``) and stores one
proposal per batch with its score and reasons.

Applying:
- only a run whose proposals are complete (``proposed``) is applied, and one apply at a time:
  the apply takes the run with a conditional UPDATE proposed → ``applying`` (the lock), so a
  second apply — or an apply of a run still computing — gets 409 and changes nothing;
- each proposed batch is claimed for its workshop through ``batch_transition`` (guarded
  UPDATE + event row), one workshop at a time under its row lock — the same lock a lead's
  claim takes — and under the same rule as a lead's claim (``orders.eligibility.
  claim_refusal``: active, skills, region, deadline, capacity before the deadline); a proposal
  that fails it, or whose batch a lead claimed meanwhile, is skipped with the reason, never
  double-assigned;
- the apply renews a lease on the run as it goes (``applying_since``); an apply that died
  half way (a killed worker) leaves its run ``applying``, and after ``APPLY_LEASE`` without a
  sign of life another apply takes it over and does the rest (the applied part stays applied).

Reviewing: while a run is ``proposed`` an operator may leave proposals out (``excluded``, with
who, when and an optional reason) and put them back, each under the run's row lock, so it is
never half way through an apply. The apply may also name what to leave out (or what to keep)
itself: those are marked in the same transaction that takes the run, so ids that are not the
run's, or not proposals with a workshop, refuse the whole apply and change nothing. Only what
is still ``proposed`` is claimed; left-out proposals stay, recorded, never deleted.

Telling the leads: the apply that finishes the run tells each lead whose workshops received
batches, once, after the commit (``transaction.on_commit``): one notice per lead listing its
batches by order (``accounts.notifications.notify_user``, kind ``batch_assigned``).

By subject (import them from here, not from the submodules):

- ``runs``: starting and executing a run, storing its proposals;
- ``apply``: applying a run (``APPLY_LEASE``);
- ``review``: leaving proposals out and putting them back;
- ``notices``: telling the leads what they received;
- ``errors``: the domain errors;
- ``_common``: the role shorthand the others share.
"""

from ._common import Role
from .apply import APPLY_LEASE, allocation_run_apply
from .errors import (
    AllocationBatchesNotOpen,
    AllocationKeepAndExclude,
    AllocationNothingToDo,
    AllocationProposalNotFound,
    AllocationProposalsNotInRun,
    AllocationProposalsNotReviewable,
    AllocationRunApplying,
    AllocationRunNotProposed,
)
from .notices import allocation_run_notify_leads
from .review import allocation_proposal_exclude, allocation_proposal_restore
from .runs import (
    CENTS,
    ENGINE_SECONDS,
    INLINE_LIMIT,
    WEIGHTS,
    allocation_run_execute,
    allocation_run_start,
    log,
)

__all__ = [
    "APPLY_LEASE",
    "CENTS",
    "ENGINE_SECONDS",
    "INLINE_LIMIT",
    "WEIGHTS",
    "AllocationBatchesNotOpen",
    "AllocationKeepAndExclude",
    "AllocationNothingToDo",
    "AllocationProposalNotFound",
    "AllocationProposalsNotInRun",
    "AllocationProposalsNotReviewable",
    "AllocationRunApplying",
    "AllocationRunNotProposed",
    "Role",
    "allocation_proposal_exclude",
    "allocation_proposal_restore",
    "allocation_run_apply",
    "allocation_run_execute",
    "allocation_run_notify_leads",
    "allocation_run_start",
    "log",
]
