"""Applying a run's proposals.

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

The apply may also name what to leave out (or what to keep) itself: those are marked in the
same transaction that takes the run (``review``), so a wrong id refuses the whole apply.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role
from core.nplusone import loop_of_writes
from jobs.services import job_progress
from orders.eligibility import batch_needs, claim_refusal, workshop_fits
from orders.models import Batch
from orders.services import BatchTransitionRefused, batch_transition
from workshops.models import Workshop

from ..models import AllocationProposal, AllocationRun
from ..selectors import (
    AllocationRunNotFound,
)
from ._common import Role
from .errors import AllocationKeepAndExclude, AllocationRunApplying, AllocationRunNotProposed
from .notices import allocation_run_notify_leads
from .review import _leave_out, _reviewable

# An apply that has not renewed its lease for this long is taken to have died.
APPLY_LEASE = timedelta(minutes=5)


def allocation_run_apply(
    *,
    run_id: int,
    actor: User,
    exclude_ids: list[int] | None = None,
    keep_ids: list[int] | None = None,
    reason: str = "",
) -> AllocationRun:
    """Claim every proposed batch for its workshop; skip what may not be claimed any more.

    Only a ``proposed`` run, one apply at a time (409 ``allocation_run_not_proposed`` /
    ``allocation_run_applying`` otherwise, and nothing changes). ``exclude_ids`` (proposals to
    leave out) or ``keep_ids`` (the proposals to apply; every other is left out) are marked
    with ``reason`` in the transaction that takes the run: a wrong id refuses the whole apply
    (400) and changes nothing. Proposals left out before (the review page) stay left out.
    See the module docstring.
    """
    ensure_role(actor, Role.OPERATOR)
    if exclude_ids is not None and keep_ids is not None:
        raise AllocationKeepAndExclude()
    lease = timezone.now()
    with transaction.atomic():
        taken = (
            AllocationRun.objects.filter(pk=run_id)
            .filter(
                Q(status=AllocationRun.Status.PROPOSED)
                | Q(status=AllocationRun.Status.APPLYING, applying_since__lt=lease - APPLY_LEASE)
            )
            .update(status=AllocationRun.Status.APPLYING, applying_since=lease, applied_by=actor)
        )
        if not taken:
            run = AllocationRun.objects.filter(pk=run_id).first()
            if run is None:
                raise AllocationRunNotFound(detail={"run_id": run_id})
            if run.status == AllocationRun.Status.APPLYING:
                raise AllocationRunApplying(detail={"run_id": run_id})
            raise AllocationRunNotProposed(detail={"run_id": run_id, "status": run.status})
        if exclude_ids:
            _leave_out(run_id, actor, sorted(set(exclude_ids)), reason)
        elif keep_ids is not None:
            keep = sorted(set(keep_ids))
            _reviewable(run_id, keep)
            proposals = AllocationProposal.objects.filter(run_id=run_id)
            proposals.filter(pk__in=keep, status=AllocationProposal.Status.EXCLUDED).update(
                status=AllocationProposal.Status.PROPOSED,
                excluded_by=None,
                excluded_at=None,
                exclude_reason="",
            )
            rest = proposals.filter(status=AllocationProposal.Status.PROPOSED).exclude(pk__in=keep)
            _leave_out(run_id, actor, list(rest.values_list("pk", flat=True)), reason)
    run = AllocationRun.objects.get(pk=run_id)
    by_workshop: dict[int, list[AllocationProposal]] = defaultdict(list)
    for proposal in run.proposals.filter(
        status=AllocationProposal.Status.PROPOSED, workshop__isnull=False
    ).select_related("batch__order"):
        by_workshop[proposal.workshop_id].append(proposal)
    today = timezone.localdate()
    # One transaction per workshop, under that workshop's row lock (read again each time):
    # a loop of guarded writes, not a page reading a row at a time.
    with loop_of_writes("workshops.Workshop", "orders.Batch", "allocation.AllocationRun"):
        for workshop_id in sorted(by_workshop):
            lease = _apply_workshop(run, lease, workshop_id, by_workshop[workshop_id], actor, today)
            if run.job_id:
                job_progress(job_id=run.job_id, done=90, message=f"applied workshop {workshop_id}")
    counts = run.proposals.aggregate(
        applied=Count("pk", filter=Q(status=AllocationProposal.Status.APPLIED)),
        skipped=Count("pk", filter=Q(status=AllocationProposal.Status.SKIPPED)),
        excluded=Count("pk", filter=Q(status=AllocationProposal.Status.EXCLUDED)),
    )
    finished = AllocationRun.objects.filter(
        pk=run.pk, status=AllocationRun.Status.APPLYING, applying_since=lease
    ).update(status=AllocationRun.Status.APPLIED, finished_at=timezone.now(), **counts)
    if finished:
        # Only the apply that finished the run tells the leads, so each hears once.
        transaction.on_commit(lambda: allocation_run_notify_leads(run_id=run.pk))
    run.refresh_from_db()
    return run


@transaction.atomic
def _apply_workshop(
    run: AllocationRun,
    lease: datetime,
    workshop_id: int,
    proposals: list[AllocationProposal],
    actor: User,
    today,
) -> datetime:
    """One workshop's proposals under its row lock, earliest deadline first (the claim rule).

    Renews the run's lease first, in the same transaction; an apply that lost its lease (taken
    over after it fell silent) stops here with 409 and writes nothing more. Returns the lease.
    """
    renewed = timezone.now()
    if not AllocationRun.objects.filter(
        pk=run.pk, status=AllocationRun.Status.APPLYING, applying_since=lease
    ).update(applying_since=renewed):
        raise AllocationRunApplying(detail={"run_id": run.pk})
    workshop = (
        Workshop.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=workshop_id)
    )
    fit = workshop_fits([workshop])[workshop_id]
    needs = batch_needs([proposal.batch for proposal in proposals])
    now = timezone.now()
    proposals.sort(key=lambda p: (p.batch.order.deadline, p.batch_id))
    for proposal in proposals:
        batch = proposal.batch
        refusal = claim_refusal(needs[batch.pk], fit, today)
        skip = refusal.code if refusal is not None else ""
        if not skip:
            try:
                with transaction.atomic():
                    batch_transition(
                        batch_id=batch.pk,
                        from_status=Batch.Status.OPEN,
                        to_status=Batch.Status.CLAIMED,
                        actor=actor,
                        reason=f"allocation run #{run.pk}",
                        workshop=workshop,
                        claimed_by=actor,
                        claimed_at=now,
                    )
            except BatchTransitionRefused as exc:
                current = exc.detail.get("current")
                skip = "batch_not_open" if current == Batch.Status.CANCELLED else "batch_taken"
        if skip:
            proposal.status, proposal.skip_reason = AllocationProposal.Status.SKIPPED, skip
        else:
            proposal.status = AllocationProposal.Status.APPLIED
            fit = replace(fit, outstanding=fit.outstanding + batch.quantity)
    AllocationProposal.objects.bulk_update(proposals, ["status", "skip_reason"])
    return renewed
