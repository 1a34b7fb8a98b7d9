"""Starting and executing a run (智能匹配).

A run is started by an operator. Small runs execute in the request; large ones
(more than ``INLINE_LIMIT`` open batches, or when asked) go to the Celery worker with their
progress in a ``jobs.Job``. Executing loads the problem in a few bulk queries
(``allocation.selectors``), runs the pure engine (``allocation.engine``) and stores one
proposal per batch with its score and reasons.
"""

import logging
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role
from jobs.services import job_create, job_fail, job_progress, job_start, job_succeed

from ..engine import (
    UNASSIGNED,
    Allocation,
    CostWeights,
    allocate,
    candidates,
    deadline_use,
    spread_cost,
    workshop_piece_cost,
)
from ..models import AllocationProposal, AllocationRun
from ..selectors import (
    LoadedProblem,
    allocation_problem_load,
    open_batches,
)
from ._common import Role
from .apply import allocation_run_apply
from .errors import AllocationBatchesNotOpen, AllocationNothingToDo, AllocationRunApplying

log = logging.getLogger("shouchuang.allocation")
# Above this many open batches a run goes to the worker instead of the request.
INLINE_LIMIT = 300
# The engine's time budget (it usually converges long before on small runs).
ENGINE_SECONDS = 9.0
WEIGHTS = CostWeights()
CENTS = Decimal("0.01")


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
        from ..tasks import allocation_run_task

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
