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
"""

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound
from jobs.services import job_create, job_fail, job_progress, job_start, job_succeed
from orders.eligibility import batch_needs, claim_refusal, workshop_fits
from orders.models import Batch
from orders.schemas import money
from orders.services import BatchTransitionRefused, batch_transition
from workshops.models import Workshop

from .engine import (
    UNASSIGNED,
    Allocation,
    CostWeights,
    allocate,
    candidates,
    deadline_use,
    spread_cost,
    workshop_piece_cost,
)
from .models import AllocationProposal, AllocationRun
from .selectors import (
    AllocationRunNotFound,
    LoadedProblem,
    allocation_problem_load,
    open_batches,
)

log = logging.getLogger("shouchuang.allocation")

Role = User.Role
# Above this many open batches a run goes to the worker instead of the request.
INLINE_LIMIT = 300
# The engine's time budget (it usually converges long before on small runs).
ENGINE_SECONDS = 9.0
# An apply that has not renewed its lease for this long is taken to have died.
APPLY_LEASE = timedelta(minutes=5)
WEIGHTS = CostWeights()
CENTS = Decimal("0.01")


class AllocationBatchesNotOpen(BadRequest):
    code = "allocation_batches_not_open"
    message = _("所选批次中有不存在或不是待认领状态的批次。")


class AllocationNothingToDo(BadRequest):
    code = "allocation_no_open_batches"
    message = _("没有待认领的批次可供匹配。")


class AllocationRunNotProposed(Conflict):
    code = "allocation_run_not_proposed"
    message = _("只有已提出、尚未执行的方案可以执行。")


class AllocationRunApplying(Conflict):
    code = "allocation_run_applying"
    message = _("这个方案正在执行中，请稍后刷新查看结果。")


class AllocationProposalNotFound(NotFound):
    code = "allocation_proposal_not_found"
    message = _("这次匹配里没有这个批次的方案。")


class AllocationProposalsNotInRun(BadRequest):
    code = "allocation_proposals_not_in_run"
    message = _("所选方案中有不属于这次匹配的。")


class AllocationProposalsNotReviewable(BadRequest):
    code = "allocation_proposals_not_reviewable"
    message = _("只有已为批次找到工坊、尚未执行的方案可以不分配或保留。")


class AllocationKeepAndExclude(BadRequest):
    code = "allocation_keep_and_exclude"
    message = _("请只给出要保留的方案，或只给出不分配的方案，不要同时给出。")


@transaction.atomic
def allocation_run_start(
    *,
    actor: User,
    apply: bool = False,
    batch_ids: list[int] | None = None,
    background: bool | None = None,
) -> AllocationRun:
    """Start a run over all open batches (or ``batch_ids``); inline when small."""
    ensure_role(actor, Role.OPERATOR)
    if batch_ids is not None:
        batch_ids = sorted(set(batch_ids))
        found = set(open_batches(batch_ids).values_list("pk", flat=True))
        missing = [pk for pk in batch_ids if pk not in found]
        if missing or not batch_ids:
            raise AllocationBatchesNotOpen(detail={"batch_ids": missing})
        count = len(batch_ids)
    else:
        count = open_batches().count()
    if count == 0:
        raise AllocationNothingToDo()
    if background is None:
        background = count > INLINE_LIMIT
    run = AllocationRun.objects.create(
        created_by=actor,
        apply=apply,
        batches_considered=count,
        stats={"batch_ids": batch_ids} if batch_ids is not None else {},
    )
    if background:
        from .tasks import allocation_run_task

        run.job = job_create(kind="allocation", created_by=actor, total=100)
        run.save(update_fields=["job"])
        transaction.on_commit(lambda: allocation_run_task.delay(run.pk))
        return run
    return allocation_run_execute(run_id=run.pk)


def allocation_run_execute(*, run_id: int) -> AllocationRun:
    """Run the engine for a pending run and store its proposals (then apply, if asked).

    Idempotent: a run that is not pending any more is left as it is.
    """
    if not AllocationRun.objects.filter(pk=run_id, status=AllocationRun.Status.PENDING).update(
        status=AllocationRun.Status.RUNNING
    ):
        run = AllocationRun.objects.get(pk=run_id)
        if run.apply and run.status in (
            AllocationRun.Status.PROPOSED,
            AllocationRun.Status.APPLYING,
        ):
            # A worker died between storing the proposals and applying them, or half way
            # through applying: finish the apply (a live one's lease makes this a no-op).
            try:
                return allocation_run_apply(run_id=run.pk, actor=run.created_by)
            except AllocationRunApplying:
                pass
        return run
    run = AllocationRun.objects.get(pk=run_id)
    job_id = run.job_id

    def progress(done: int, total: int, message: str) -> None:
        if job_id:
            job_progress(job_id=job_id, done=10 + int(70 * done / max(total, 1)), message=message)

    try:
        if job_id:
            job_start(job_id=job_id, total=100)
        loaded = allocation_problem_load(batch_ids=run.stats.get("batch_ids"))
        progress(0, 1, "loaded")
        result = allocate(loaded.problem, WEIGHTS, progress=progress, seconds=ENGINE_SECONDS)
        _store(run, loaded, result)
        if job_id:
            job_progress(job_id=job_id, done=85, message="proposals stored")
        if run.apply:
            allocation_run_apply(run_id=run.pk, actor=run.created_by)
            run.refresh_from_db()
    except Exception as exc:
        log.exception("allocation run %s failed", run_id)
        # Only a computation fails the run: an apply that broke off leaves it proposed or
        # applying, to be applied (or taken over after its lease) again.
        AllocationRun.objects.filter(pk=run_id, status=AllocationRun.Status.RUNNING).update(
            status=AllocationRun.Status.FAILED,
            message=str(exc)[:200],
            finished_at=timezone.now(),
        )
        if job_id:
            job_fail(job_id=job_id, message=str(exc))
        raise
    if job_id:
        job_succeed(
            job_id=job_id,
            result={"run_id": run.pk, "status": run.status, "assigned": run.assigned},
        )
    return run


def _json_number(value):
    """Floats rounded for reading; infinities (e.g. no LP solved in time) as null."""
    if isinstance(value, float):
        return round(value, 2) if np.isfinite(value) else None
    return value


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(CENTS)


@transaction.atomic
def _store(run: AllocationRun, loaded: LoadedProblem, result: Allocation) -> None:
    problem, assignment = loaded.problem, result.assignment
    n_b = problem.n_batches
    assigned = assignment != UNASSIGNED
    rows, cols = np.flatnonzero(assigned), assignment[assigned]
    q = problem.batch_quantity.astype(float)
    # Each batch's share of the cost, term by term (the spread term shared by pieces).
    km = problem.workshop_distance_km
    fpy = problem.workshop_first_pass_yield
    known = ~np.isnan(fpy)
    neutral = float(fpy[known].mean()) if known.any() else 1.0
    piece = workshop_piece_cost(problem, WEIGHTS)
    transport = WEIGHTS.transport_per_km * km
    load = np.bincount(cols, weights=q[rows], minlength=problem.n_workshops)
    spread = spread_cost(problem, WEIGHTS, load)
    use = deadline_use(problem, rows, cols)
    eligible = candidates(problem, WEIGHTS, keep=1).n_eligible
    households = np.maximum(problem.workshop_households, 1)
    proposals = []
    for i in range(n_b):
        batch_id = int(loaded.batch_ids[i])
        if not assigned[i]:
            reason = (
                {"code": "no_eligible_workshop"}
                if eligible[i] == 0
                else {"code": "capacity_taken", "count": int(eligible[i])}
            )
            proposals.append(
                AllocationProposal(
                    run=run,
                    batch_id=batch_id,
                    status=AllocationProposal.Status.UNASSIGNED,
                    score=_money(WEIGHTS.unassigned_per_piece * q[i]),
                    cost_per_piece=Decimal(str(WEIGHTS.unassigned_per_piece)),
                    reasons=[reason],
                )
            )
    for i, j, u in zip(rows.tolist(), cols.tolist(), use.tolist(), strict=True):
        costs = {
            "distance": q[i] * transport[j],
            "quality": q[i] * (piece[j] - transport[j]),
            "deadline": q[i] * WEIGHTS.deadline_risk * u**2,
            "households": spread[j] * q[i] / load[j] if load[j] else 0.0,
        }
        total = sum(costs.values())
        held = int(problem.workshop_held[j])
        daily = int(problem.workshop_daily_capacity[j])
        quality = (
            {"code": "first_pass_yield", "value": round(float(fpy[j]), 4)}
            if known[j]
            else {"code": "first_pass_yield_unknown", "value": round(neutral, 4)}
        )
        reasons = [
            {"code": "distance", "km": round(float(km[j]), 1)},
            quality,
            {
                "code": "deadline",
                "days_left": int(problem.batch_days_left[i]),
                "days_needed": round((held + q[i]) / daily, 1),
            },
            {
                "code": "households",
                "households": int(problem.workshop_households[j]),
                "pieces_per_household": round((held + float(load[j])) / float(households[j]), 1),
            },
        ]
        for reason in reasons:
            term = "quality" if reason["code"].startswith("first_pass") else reason["code"]
            reason["cost"] = str(_money(costs[term]))
        proposals.append(
            AllocationProposal(
                run=run,
                batch_id=int(loaded.batch_ids[i]),
                workshop_id=int(loaded.workshop_ids[j]),
                score=_money(total),
                cost_per_piece=Decimal(str(round(total / q[i], 4))),
                reasons=reasons,
            )
        )
    proposals.sort(key=lambda p: p.batch_id)
    AllocationProposal.objects.bulk_create(proposals, batch_size=1000)
    run.status = AllocationRun.Status.PROPOSED
    run.batches_considered = n_b
    run.assigned = int(assigned.sum())
    run.unassigned = n_b - run.assigned
    run.total_cost = _money(result.cost)
    run.lower_bound = _money(result.lower_bound) if np.isfinite(result.lower_bound) else None
    run.stats = {
        **run.stats,
        **{k: _json_number(v) for k, v in result.stats.items()},
        "seconds": round(result.seconds, 3),
        "gap": round(result.gap, 4) if np.isfinite(result.gap) else None,
    }
    run.finished_at = timezone.now()
    run.save()


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


def allocation_run_notify_leads(*, run_id: int) -> int:
    """Tell each lead what an applied run gave their workshops: one notice per lead.

    The notice lists the batches by order — product, batch numbers, pieces, fee per piece,
    deadline — in the site's language (leads read Chinese). A workshop without a lead has no
    one to tell. Returns how many leads were told (notify_user keeps the notice for a lead
    without a phone too; only its text message fails).
    """
    from accounts.notifications import notify_user

    applied = (
        AllocationProposal.objects.filter(
            run_id=run_id,
            status=AllocationProposal.Status.APPLIED,
            workshop__lead__isnull=False,
        )
        .select_related("batch__order", "workshop__organisation", "workshop__lead")
        .order_by("workshop__lead_id", "batch__order__deadline", "batch__order_id", "batch__number")
    )
    by_lead: dict[int, list[AllocationProposal]] = defaultdict(list)
    leads: dict[int, User] = {}
    for proposal in applied:
        lead = proposal.workshop.lead
        leads[lead.pk] = lead
        by_lead[lead.pk].append(proposal)
    told = 0
    for lead_id, proposals in by_lead.items():
        with translation.override(settings.LANGUAGE_CODE):
            text = _batch_assigned_text(proposals)
        notify_user(
            user=leads[lead_id],
            kind="batch_assigned",
            text=text,
            data={
                "run_id": run_id,
                "batch_ids": [p.batch_id for p in proposals],
                "batches": [
                    {
                        "batch_id": p.batch_id,
                        "order_id": p.batch.order_id,
                        "product_name": p.batch.order.product_name,
                        "number": p.batch.number,
                        "quantity": p.batch.quantity,
                        "fee_per_piece": money(p.batch.order.fee_per_piece),
                        "deadline": p.batch.order.deadline.isoformat(),
                        "workshop_id": p.workshop_id,
                    }
                    for p in proposals
                ],
            },
            link=reverse("orders:my_batches"),
        )
        told += 1
    return told


def _batch_assigned_text(proposals: list[AllocationProposal]) -> str:
    """「绳编腰带」第 1、2 批，共 600 件，加工费 1.2 元/件，2026-12-30 前交货；…"""
    by_order: dict[int, list[AllocationProposal]] = defaultdict(list)
    for proposal in proposals:
        by_order[proposal.batch.order_id].append(proposal)
    parts = []
    for order_proposals in by_order.values():
        order = order_proposals[0].batch.order
        parts.append(
            str(
                _(
                    "「{product}」第 {numbers} 批，共 {pieces} 件，"
                    "加工费 {fee} 元/件，{deadline} 前交货"
                )
            ).format(
                product=order.product_name,
                numbers="、".join(str(p.batch.number) for p in order_proposals),
                pieces=sum(p.batch.quantity for p in order_proposals),
                fee=f"{order.fee_per_piece.normalize():f}",
                deadline=order.deadline.isoformat(),
            )
        )
    workshops = sorted({p.workshop.name for p in proposals})
    return str(
        _(
            "平台为您的工坊（{workshops}）分配了 {count} 个批次：{batches}。"
            "打开手创「我的批次」查看并准备物料。"
        )
    ).format(
        workshops="、".join(workshops),
        count=len(proposals),
        batches="；".join(parts),
    )


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
