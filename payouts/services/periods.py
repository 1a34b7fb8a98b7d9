"""Writes for a payout period's life: create, compute, mark paid (and open = both); approving
is in ``approval``.

Every status change is a guarded conditional UPDATE (``_transition``): when two operators
approve at once the database lets exactly one UPDATE match, and the other gets 409.

A large compute runs in the worker as a job (``period_compute_request`` → ``period_compute_run``)
that may be killed at any point and run again: see ``compute`` for how a run goes on from the
chunks an earlier one committed, and ``jobs.services`` for the heartbeat and the reaper.
"""

from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound
from jobs.models import Job
from jobs.selectors import job_is_stalled
from jobs.services import (
    job_create,
    job_enqueue,
    job_fail,
    job_progress,
    job_run_begin,
    job_succeed,
)
from workshops.models import Workshop

from ..compute import (
    ComputeSuperseded,
    claimable_outcome_count,
    compute_chunks,
    scope_workshop_ids,
)
from ..compute_extras import compute_extras
from ..models import (
    PERIOD_TRANSITIONS,
    AdvanceRecovery,
    PaymentMethod,
    PayoutClaim,
    PayoutLine,
    PayoutPeriod,
    PayoutPeriodEvent,
    PayoutPool,
    PayoutPremium,
)
from .ledger import ledger_record_payment
from .payments import payments_record
from .totals import period_totals

Status = PayoutPeriod.Status
Role = User.Role

# Above this many candidate outcomes a compute request goes to the Celery worker.
SYNC_COMPUTE_LIMIT = 20_000
# A period stuck in ``computing`` this long without a job (the request computing it died) may
# be computed again; one with a job may as soon as the job failed or stopped beating.
STALE_COMPUTE_AFTER = timedelta(minutes=30)
# Job kinds and the tasks that run them (the reaper sends a task again by its name).
COMPUTE_JOB = "payout_period"
COMPUTE_TASK = "payouts.tasks.period_compute_task"


# --- errors --------------------------------------------------------------------------------


class PeriodNotFound(NotFound):
    code = "payout_period_not_found"
    message = _("结算期不存在，或不属于您。")


class PeriodScopeInvalid(BadRequest):
    code = "payout_period_scope_invalid"
    message = _("结算范围与所选区域或工坊不符。")


class PeriodRangeInvalid(BadRequest):
    code = "payout_period_range_invalid"
    message = _("结算期的结束日期不能早于开始日期。")


class PeriodOverlaps(Conflict):
    code = "payout_period_overlaps"
    message = _("同一范围内已有与此日期重叠的结算期。")


class PeriodNotComputable(Conflict):
    code = "payout_period_not_computable"
    message = _("只有草稿或已计算的结算期可以计算。")


class PeriodNotComputed(Conflict):
    code = "payout_period_not_computed"
    message = _("结算期尚未计算完成，不能审核。")


class PeriodNotApproved(Conflict):
    code = "payout_period_not_approved"
    message = _("结算期尚未审核，不能执行此操作。")


class PeriodLocked(Conflict):
    code = "payout_period_locked"
    message = _("结算期已审核锁定，不能再修改；更正请在之后的结算期登记调整。")


class PaymentReferenceRequired(BadRequest):
    code = "payment_reference_required"
    message = _("请填写付款凭证号（银行批次号、转账流水号等）。")


class PeriodEmpty(Conflict):
    code = "payout_period_empty"
    message = _("这一期没有农户，或金额为零。确认无误后再勾选确认并审核。")


class PeriodNegativeTotals(Conflict):
    code = "payout_period_negative_totals"
    message = _("有农户的扣款超过其应得金额，不能审核。")


# --- helpers -------------------------------------------------------------------------------


def _scope_key(scope: str, region_id: int | None, workshop_id: int | None) -> str:
    if scope == PayoutPeriod.Scope.REGION:
        return f"region:{region_id}"
    if scope == PayoutPeriod.Scope.WORKSHOP:
        return f"workshop:{workshop_id}"
    return "all"


def _lock_scope_key(key: str) -> None:
    """Serialise period creation per scope so two overlapping creates cannot both pass."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"payouts:{key}"])


def _record_event(
    *, period_id: int, from_status: str, to_status: str, actor: User | None, note: str = ""
) -> None:
    PayoutPeriodEvent.objects.create(
        period_id=period_id, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def _transition(
    *,
    period_id: int,
    from_statuses: set[str],
    to_status: str,
    actor: User | None,
    refusal: type[Conflict],
    note: str = "",
    **changes: Any,
) -> PayoutPeriod:
    """Move a period from one of ``from_statuses`` to ``to_status`` or raise ``refusal``.

    The conditional UPDATE is the guard: of two racing callers exactly one matches the row.
    """
    assert all(to_status in PERIOD_TRANSITIONS[s] for s in from_statuses)
    current = PayoutPeriod.objects.filter(pk=period_id).values_list("status", flat=True).first()
    if current is None:
        raise PeriodNotFound(detail={"period_id": period_id})
    won = PayoutPeriod.objects.filter(pk=period_id, status__in=from_statuses).update(
        status=to_status, **changes
    )
    if not won:
        current = PayoutPeriod.objects.filter(pk=period_id).values_list("status", flat=True)[0]
        if current in {Status.APPROVED, Status.PAID}:
            refusal = PeriodLocked  # an approved period says so, whatever was asked of it
        raise refusal(detail={"period_id": period_id, "status": current, "to": to_status})
    _record_event(
        period_id=period_id, from_status=current, to_status=to_status, actor=actor, note=note
    )
    return PayoutPeriod.objects.get(pk=period_id)


def _period_for_update(period_id: int) -> PayoutPeriod:
    period = PayoutPeriod.objects.select_for_update().filter(pk=period_id).first()
    if period is None:
        raise PeriodNotFound(detail={"period_id": period_id})
    return period


# --- periods -------------------------------------------------------------------------------


@transaction.atomic
def period_create(
    *,
    actor: User,
    name: str,
    starts_on: date,
    ends_on: date,
    scope: str = PayoutPeriod.Scope.ALL,
    region_id: int | None = None,
    workshop_id: int | None = None,
) -> PayoutPeriod:
    """Open a draft period. Periods of the same scope may not overlap (409)."""
    ensure_role(actor, Role.OPERATOR)
    if ends_on < starts_on:
        raise PeriodRangeInvalid(
            detail={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}
        )
    valid = (
        (scope == PayoutPeriod.Scope.ALL and region_id is None and workshop_id is None)
        or (
            scope == PayoutPeriod.Scope.REGION
            and workshop_id is None
            and region_id is not None
            and Organisation.objects.filter(
                pk=region_id, kind=Organisation.Kind.SERVICE_CENTER
            ).exists()
        )
        or (
            scope == PayoutPeriod.Scope.WORKSHOP
            and region_id is None
            and workshop_id is not None
            and Workshop.objects.filter(pk=workshop_id).exists()
        )
    )
    if not valid:
        raise PeriodScopeInvalid(
            detail={"scope": scope, "region_id": region_id, "workshop_id": workshop_id}
        )
    key = _scope_key(scope, region_id, workshop_id)
    _lock_scope_key(key)
    overlapping = (
        PayoutPeriod.objects.filter(scope_key=key, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .values("pk", "name", "starts_on", "ends_on")
        .first()
    )
    if overlapping:
        raise PeriodOverlaps(
            detail={
                "period_id": overlapping["pk"],
                "name": overlapping["name"],
                "starts_on": overlapping["starts_on"].isoformat(),
                "ends_on": overlapping["ends_on"].isoformat(),
            }
        )
    period = PayoutPeriod.objects.create(
        name=name.strip() or f"{starts_on:%Y-%m-%d} ~ {ends_on:%Y-%m-%d}",
        scope=scope,
        region_id=region_id,
        workshop_id=workshop_id,
        scope_key=key,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    _record_event(
        period_id=period.pk, from_status="", to_status=Status.DRAFT, actor=actor, note="created"
    )
    return period


def _compute_job_stalled(period: PayoutPeriod) -> bool:
    """A computing period whose job's worker is gone (the job failed, or stopped beating)."""
    job = Job.objects.filter(pk=period.compute_job_id).first() if period.compute_job_id else None
    return job is not None and (job.status == Job.Status.FAILED or job_is_stalled(job))


@transaction.atomic
def _compute_begin(*, period_id: int, actor: User | None, job: Job | None) -> PayoutPeriod:
    """draft/computed (or a stale computing) → computing; release the draft's earlier work.

    A computing period is taken over when its compute has no live run: its job failed or
    stopped beating (``JOB_STALLED_AFTER``), or, for a compute run in a request without a job,
    it started more than ``STALE_COMPUTE_AFTER`` ago.
    """
    period = _period_for_update(period_id)
    now = timezone.now()
    stale = period.status == Status.COMPUTING and (
        _compute_job_stalled(period)
        or (
            period.computing_since is not None
            and period.computing_since < now - STALE_COMPUTE_AFTER
        )
    )
    if period.is_locked:
        raise PeriodLocked(detail={"period_id": period_id, "status": period.status})
    if period.status not in {Status.DRAFT, Status.COMPUTED} and not stale:
        raise PeriodNotComputable(detail={"period_id": period_id, "status": period.status})
    if stale and period.compute_job_id:
        job_fail(job_id=period.compute_job_id, message=gettext("已被新的计算取代。"))
    _release_compute(period_id)
    PayoutPeriod.objects.filter(pk=period_id).update(
        status=Status.COMPUTING, computing_since=now, compute_job=job
    )
    _record_event(
        period_id=period_id, from_status=period.status, to_status=Status.COMPUTING, actor=actor
    )
    period.refresh_from_db()
    return period


def _release_compute(period_id: int) -> None:
    """Delete what a compute of this (unlocked) period wrote: lines, pools, claims, premiums
    and advance recoveries."""
    AdvanceRecovery.objects.filter(period_id=period_id).delete()
    PayoutPremium.objects.filter(period_id=period_id).delete()
    PayoutLine.objects.filter(pool__period_id=period_id).delete()
    PayoutPool.objects.filter(period_id=period_id).delete()
    PayoutClaim.objects.filter(period_id=period_id).delete()


def _still_ours(period: PayoutPeriod):
    """Called first in each chunk's transaction: lock the period row (so that runs of one
    period take turns) and check it is still computing for this compute."""

    def check() -> bool:
        current = (
            PayoutPeriod.objects.select_for_update()
            .filter(pk=period.pk)
            .values_list("status", "computing_since", "compute_job_id")
            .first()
        )
        return current == (Status.COMPUTING, period.computing_since, period.compute_job_id)

    return check


@transaction.atomic
def _compute_finish(*, period: PayoutPeriod, actor: User | None) -> PayoutPeriod:
    locked = _period_for_update(period.pk)
    if locked.status != Status.COMPUTING or locked.computing_since != period.computing_since:
        raise ComputeSuperseded(period.pk)
    # premiums and advance recoveries, in this transaction (under the period's lock)
    compute_extras(period=locked)
    return _transition(
        period_id=period.pk,
        from_statuses={Status.COMPUTING},
        to_status=Status.COMPUTED,
        actor=actor,
        refusal=PeriodNotComputable,
        computed_at=timezone.now(),
        computing_since=None,
        **period_totals(period.pk),
    )


@transaction.atomic
def _compute_abort(*, period: PayoutPeriod, actor: User | None, reason: str) -> None:
    """Undo a failed compute: release its claims and go back to draft (if still ours)."""
    locked = _period_for_update(period.pk)
    if locked.status != Status.COMPUTING or locked.computing_since != period.computing_since:
        return
    _release_compute(period.pk)
    _transition(
        period_id=period.pk,
        from_statuses={Status.COMPUTING},
        to_status=Status.DRAFT,
        actor=actor,
        refusal=PeriodNotComputable,
        note=reason[:200],
        computing_since=None,
    )


def period_compute_give_up(job_id: int) -> None:
    """The jobs reaper gave up a compute whose workers kept dying: back to draft, released, so
    that an operator can compute it again (runs inside the reaper's transaction)."""
    period = (
        PayoutPeriod.objects.select_for_update()
        .filter(compute_job_id=job_id, status=Status.COMPUTING)
        .first()
    )
    if period is not None:
        _compute_abort(period=period, actor=None, reason=f"job {job_id} given up: worker lost")


def _compute_result(period: PayoutPeriod) -> dict[str, Any]:
    return {"period_id": period.pk, "status": period.status, "gross_fen": period.gross_fen}


def _end_superseded_job(*, job_id: int | None, period_id: int, message: str) -> None:
    """A run found its period no longer its own. If the period now belongs to another job, this
    job is over; if it is still this job's, a later attempt of it carries on: leave the job."""
    if job_id is None:
        return
    owner = PayoutPeriod.objects.filter(pk=period_id).values_list(
        "compute_job_id", "approve_job_id"
    )
    if not any(job_id in ids for ids in owner):
        job_fail(job_id=job_id, message=message)


def _run_compute(
    *, period: PayoutPeriod, actor: User | None, job_id: int | None, attempt: int | None = None
) -> PayoutPeriod:
    def progress(done: int, total: int) -> bool:
        if job_id is None:
            return True
        return job_progress(job_id=job_id, done=done, total=total, attempt=attempt)

    try:
        compute_chunks(period=period, still_ours=_still_ours(period), progress=progress)
        period = _compute_finish(period=period, actor=actor)
    except ComputeSuperseded:
        _end_superseded_job(
            job_id=job_id, period_id=period.pk, message=gettext("已被新的计算取代。")
        )
        raise
    except Exception as exc:
        _compute_abort(period=period, actor=actor, reason=repr(exc))
        if job_id is not None:
            job_fail(job_id=job_id, message=repr(exc))
        raise
    if job_id is not None:
        job_succeed(job_id=job_id, result=_compute_result(period))
    return period


def period_compute(*, period_id: int, actor: User | None) -> PayoutPeriod:
    """Compute (or recompute) a period now, in this process. Idempotent on a draft.

    Not one transaction: each chunk commits, so call it outside ``atomic`` (as the API and the
    task do). A failure releases everything the run claimed and leaves the period a draft.
    """
    if actor is not None:
        ensure_role(actor, Role.OPERATOR)
    period = _compute_begin(period_id=period_id, actor=actor, job=None)
    return _run_compute(period=period, actor=actor, job_id=None)


def period_compute_request(*, period_id: int, actor: User) -> tuple[PayoutPeriod, Job | None]:
    """Compute now if the period is small; otherwise hand it to the worker with a job."""
    ensure_role(actor, Role.OPERATOR)
    period = PayoutPeriod.objects.filter(pk=period_id).first()
    if period is None:
        raise PeriodNotFound(detail={"period_id": period_id})
    if claimable_outcome_count(period) <= SYNC_COMPUTE_LIMIT:
        return period_compute(period_id=period_id, actor=actor), None
    with transaction.atomic():
        job = job_create(kind=COMPUTE_JOB, created_by=actor, total=len(scope_workshop_ids(period)))
        period = _compute_begin(period_id=period_id, actor=actor, job=job)
        job_enqueue(job=job, task=COMPUTE_TASK, args=[period_id, job.pk])
    return period, job


def period_compute_run(*, period_id: int, job_id: int) -> None:
    """The worker's half of ``period_compute_request``. Safe to run again from any point: a run
    after a crash goes on from the chunks already committed; a run after the end only makes
    sure the job says so; a run for a superseded job ends that job."""
    attempt = job_run_begin(job_id=job_id)
    if attempt is None:
        return
    period = PayoutPeriod.objects.filter(pk=period_id).first()
    if period is None or period.compute_job_id != job_id:
        job_fail(job_id=job_id, message=gettext("已被新的计算取代。"))
        return
    if period.status != Status.COMPUTING:
        # an earlier run finished the period and died before it could say so
        job_succeed(job_id=job_id, result=_compute_result(period))
        return
    try:
        _run_compute(period=period, actor=None, job_id=job_id, attempt=attempt)
    except ComputeSuperseded:
        return  # a later attempt (or a recompute) has the period: nothing more to do here


@transaction.atomic
def period_mark_paid(
    *,
    period_id: int,
    actor: User,
    payment_reference: str = "",
    method: str = PaymentMethod.BANK,
    household_methods: dict[int, tuple[str, str]] | None = None,
) -> PayoutPeriod:
    """Record that an approved period's money went out; the ledger settles every payable, and
    each household with money gets a payment (``method``, or its own in ``household_methods``:
    household id → (method, reference)) that it later confirms or disputes.

    The payment reference (the bank's batch number, the wallet's transfer id) is required: it is
    how a household's query is traced to the bank afterwards.
    """
    ensure_role(actor, Role.OPERATOR)
    payment_reference = (payment_reference or "").strip()
    if not payment_reference:
        raise PaymentReferenceRequired(detail={"period_id": period_id})
    now = timezone.now()
    period = _transition(
        period_id=period_id,
        from_statuses={Status.APPROVED},
        to_status=Status.PAID,
        actor=actor,
        refusal=PeriodNotApproved,
        paid_by=actor,
        paid_at=now,
        payment_reference=payment_reference[:80],
    )
    ledger_record_payment(period=period, actor=actor, at=now)
    payments_record(
        period=period,
        method=method,
        reference=period.payment_reference,
        at=now,
        household_methods=household_methods,
    )
    return period


def period_open(
    *, actor: User, compute: bool = True, **fields: Any
) -> tuple[PayoutPeriod, Job | None]:
    """Open a period and (by default) compute it at once, in the background if it is large."""
    period = period_create(actor=actor, **fields)
    if not compute:
        return period, None
    return period_compute_request(period_id=period.pk, actor=actor)
