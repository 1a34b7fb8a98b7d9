"""Approving a period: computed → approving → approved, writing its ledger and statements.

A national period has some 61,000 households: far too much for one request. The request
(``period_approve_request``) checks the period can be approved (computed, no household below
zero), moves it to ``approving`` with a job and hands the writing to the worker
(``period_approve_run``), which reports progress on the job. ``period_approve`` does the same
in-process (tests, the demo, scripts).

The run may be killed at any point and run again (Celery's redelivery, the jobs reaper, an
operator's retry). It writes in steps, each one transaction that first locks the period row
and checks the period is still approving for this job:

1. the merchants' charges and the leads' and centers' payables, unless already written;
2. per range of households (in id order), each household's payables, adjustments and its
   statement, for the households of the range that have no statement yet: the statement's
   unique (period, household) is the mark that a household is done, written in the same
   transaction as its ledger rows, so a later run skips it and nothing is written twice;
3. approving → approved, once every household has its statement.

The ledger is append-only, so an approval that started is never undone: a failed or lost run
leaves the period ``approving`` and is retried (from the period's page, or by sending
``POST /payouts/periods/{id}/approve`` again) until it completes.
"""

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import ensure_role
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

from ..models import PayoutAdjustment, PayoutLine, PayoutPeriod, Statement
from ..reporting import impact_record_period
from ..selectors import period_figures_compute
from ..webhooks import emit_payout_approved
from .currency import conversions_record, conversions_recorded, rates_check
from .ledger import ledger_charges_recorded, ledger_record_charges, ledger_record_households
from .periods import (
    PeriodEmpty,
    PeriodLocked,
    PeriodNegativeTotals,
    PeriodNotComputed,
    _end_superseded_job,
    _period_for_update,
    _transition,
)
from .statements import statements_issue
from .totals import household_totals

Status = PayoutPeriod.Status
Role = User.Role

APPROVE_JOB = "payout_approval"
APPROVE_TASK = "payouts.tasks.period_approve_task"


class ApprovalSuperseded(Exception):
    """The period is no longer approving for this job (done, or retried by a new job)."""


class ApprovalIncomplete(Exception):
    """Some household of the period has no statement yet: approval cannot be flipped."""


def approval_households(period_id: int) -> list[int]:
    """Every household with a line or an adjustment in the period, in id order."""
    households = set(
        PayoutLine.objects.filter(pool__period_id=period_id)
        .order_by()
        .values_list("household_id", flat=True)
        .distinct()
    )
    households.update(
        PayoutAdjustment.objects.filter(period_id=period_id).values_list("household_id", flat=True)
    )
    return sorted(households)


def _households_done(
    period_id: int, first_id: int | None = None, last_id: int | None = None
) -> set[int]:
    statements = Statement.objects.filter(period_id=period_id)
    if first_id is not None and last_id is not None:
        statements = statements.filter(household_id__gte=first_id, household_id__lte=last_id)
    return set(statements.values_list("household_id", flat=True))


@transaction.atomic
def _approve_begin(
    *, period_id: int, actor: User, job: Job | None, confirm_empty: bool = True
) -> tuple[PayoutPeriod, int]:
    """computed → approving, refused if a household's deductions exceed its money, and (when
    the caller asks for it: the period page) if the period pays nothing and that was not
    confirmed."""
    period = _period_for_update(period_id)
    if period.status in {Status.APPROVING, Status.APPROVED, Status.PAID}:
        # an approved period says so, whatever was asked of it; one being approved (another
        # operator got there first) is as locked: its retry is period_approve_request's
        raise PeriodLocked(detail={"period_id": period_id, "status": period.status})
    if period.status != Status.COMPUTED:
        raise PeriodNotComputed(
            detail={"period_id": period_id, "status": period.status, "to": Status.APPROVING}
        )
    if period.is_empty and not confirm_empty:
        raise PeriodEmpty(detail={"period_id": period_id, "gross_fen": period.gross_fen})
    totals = household_totals(period_id)
    negative = sorted(household_id for household_id, total in totals.items() if total < 0)
    if negative:
        raise PeriodNegativeTotals(detail={"household_ids": negative[:50]})
    rates_check(period_id)  # 409 payout_rate_missing: a foreign currency without its rate
    period = _transition(
        period_id=period_id,
        from_statuses={Status.COMPUTED},
        to_status=Status.APPROVING,
        actor=actor,
        refusal=PeriodNotComputed,
        approve_job=job,
        approved_by=actor,
        approved_at=timezone.now(),
    )
    return period, len(totals)


def _still_ours(period: PayoutPeriod):
    """First in each step's transaction: lock the period row (runs take turns) and check it
    is still approving for this job."""

    def check() -> bool:
        current = (
            PayoutPeriod.objects.select_for_update()
            .filter(pk=period.pk)
            .values_list("status", "approve_job_id")
            .first()
        )
        return current == (Status.APPROVING, period.approve_job_id)

    return check


def approve_steps(*, period: PayoutPeriod, still_ours, progress) -> None:
    """Write what approval writes and is not written yet (see the module's docstring)."""
    households = approval_households(period.pk)
    done_before = _households_done(period.pk)
    remaining = [pk for pk in households if pk not in done_before]
    total = len(households)
    done = total - len(remaining)
    if not progress(done, total):
        raise ApprovalSuperseded(period.pk)
    actor = User.objects.get(pk=period.approved_by_id)
    at = period.approved_at
    with transaction.atomic():
        if not still_ours():
            raise ApprovalSuperseded(period.pk)
        if not ledger_charges_recorded(period):
            ledger_record_charges(period=period, actor=actor, at=at)
        # Households paid abroad: converted once, all in this transaction (docs/payouts.md).
        if period.rates.exists() and not conversions_recorded(period):
            conversions_record(period=period, totals=household_totals(period.pk))
    size = max(1, settings.PAYOUT_APPROVE_CHUNK_HOUSEHOLDS)
    for start in range(0, len(remaining), size):
        chunk = remaining[start : start + size]
        first_id, last_id = chunk[0], chunk[-1]
        with transaction.atomic():
            if not still_ours():
                raise ApprovalSuperseded(period.pk)
            # Another run may have done some of them while we waited for the lock.
            todo = set(chunk) - _households_done(period.pk, first_id, last_id)
            if todo:
                totals = household_totals(period.pk, first_id=first_id, last_id=last_id)
                # the ledger first: it writes the rows of the range's households that have
                # no statement yet, which are ``todo`` until the statements below are in
                ledger_record_households(
                    period=period, first_id=first_id, last_id=last_id, actor=actor, at=at
                )
                statements_issue(
                    period=period,
                    household_totals={pk: totals.get(pk, 0) for pk in todo},
                    at=at,
                )
        done += len(chunk)
        if not progress(done, total):
            raise ApprovalSuperseded(period.pk)


@transaction.atomic
def _approve_finish(*, period: PayoutPeriod) -> PayoutPeriod:
    locked = _period_for_update(period.pk)
    if (locked.status, locked.approve_job_id) != (Status.APPROVING, period.approve_job_id):
        raise ApprovalSuperseded(period.pk)
    impact_record_period(period_id=period.pk)  # undone with the rest if refused below
    expected = len(approval_households(period.pk))
    issued = Statement.objects.filter(period_id=period.pk).count()
    if issued != expected:
        raise ApprovalIncomplete(f"{issued} of {expected} statements")
    # The page's figures, kept now: the period cannot change once approved (undone with the
    # rest if the transition below is refused).
    PayoutPeriod.objects.filter(pk=period.pk).update(
        figures=period_figures_compute(period_id=period.pk)
    )
    approved = _transition(
        period_id=period.pk,
        from_statuses={Status.APPROVING},
        to_status=Status.APPROVED,
        actor=User.objects.filter(pk=period.approved_by_id).first(),
        refusal=PeriodNotComputed,
    )
    # Only the run whose UPDATE flipped the period gets here (a second run of the job finds it
    # approved and stops before), and only once it is committed: the leads are told by a task
    # of its own (a national period has thousands of leads; approval is done without them),
    # which skips a lead already told of this period if it is delivered twice.
    transaction.on_commit(partial(_send_ready_notices, period.pk))
    emit_payout_approved(period=approved)
    return approved


def _send_ready_notices(period_id: int) -> None:
    from ..tasks import payout_ready_notify_task

    payout_ready_notify_task.delay(period_id)


def _approve_result(period: PayoutPeriod) -> dict[str, Any]:
    return {
        "period_id": period.pk,
        "status": period.status,
        "statements": Statement.objects.filter(period_id=period.pk).count(),
    }


def _run_approve(
    *, period: PayoutPeriod, job_id: int | None, attempt: int | None = None
) -> PayoutPeriod:
    def progress(done: int, total: int) -> bool:
        if job_id is None:
            return True
        return job_progress(job_id=job_id, done=done, total=total, attempt=attempt)

    try:
        approve_steps(period=period, still_ours=_still_ours(period), progress=progress)
        period = _approve_finish(period=period)
    except ApprovalSuperseded:
        _end_superseded_job(job_id=job_id, period_id=period.pk, message=_("已被新的审核任务取代。"))
        raise
    except Exception as exc:
        # Nothing to undo: what was written stays, and a retry goes on from there.
        if job_id is not None:
            job_fail(job_id=job_id, message=repr(exc))
        raise
    if job_id is not None:
        job_succeed(job_id=job_id, result=_approve_result(period))
    return period


def period_approve(*, period_id: int, actor: User, confirm_empty: bool = True) -> PayoutPeriod:
    """Approve a computed period now, in this process: ledger, statements, locked.

    Not one transaction (each step commits), like ``period_compute``. A run cut short leaves
    the period ``approving``; ``period_approve_request`` finishes it.
    """
    ensure_role(actor, Role.OPERATOR)
    period, _households = _approve_begin(
        period_id=period_id, actor=actor, job=None, confirm_empty=confirm_empty
    )
    return _run_approve(period=period, job_id=None)


def _approve_job_live(period: PayoutPeriod) -> Job | None:
    job = Job.objects.filter(pk=period.approve_job_id).first() if period.approve_job_id else None
    if job is None or job.is_finished or job_is_stalled(job):
        return None
    return job


def period_approve_request(
    *, period_id: int, actor: User, confirm_empty: bool = True
) -> tuple[PayoutPeriod, Job]:
    """Approve in the background: computed → approving with a job for the worker.

    ``confirm_empty=False`` (the period page until the operator ticks the box) refuses a period
    that pays nothing with 409 ``payout_period_empty``.

    On a period already approving this is the retry: its job if that is still alive (sending
    the request twice starts nothing new), otherwise a new job that goes on from where the lost
    one stopped.
    """
    ensure_role(actor, Role.OPERATOR)
    with transaction.atomic():
        period = _period_for_update(period_id)
        if period.status == Status.APPROVING:
            live = _approve_job_live(period)
            if live is not None:
                return period, live
            if period.approve_job_id:
                job_fail(job_id=period.approve_job_id, message=_("已被新的审核任务取代。"))
            job = job_create(
                kind=APPROVE_JOB,
                created_by=actor,
                total=len(approval_households(period_id)),
            )
            PayoutPeriod.objects.filter(pk=period_id).update(approve_job=job)
        else:
            job = job_create(kind=APPROVE_JOB, created_by=actor)
            period, households = _approve_begin(
                period_id=period_id, actor=actor, job=job, confirm_empty=confirm_empty
            )
            Job.objects.filter(pk=job.pk).update(total=households)
        job_enqueue(job=job, task=APPROVE_TASK, args=[period_id, job.pk])
    period.refresh_from_db()
    job.refresh_from_db()
    return period, job


def period_approve_run(*, period_id: int, job_id: int) -> None:
    """The worker's half of ``period_approve_request``; safe to run again from any point."""
    attempt = job_run_begin(job_id=job_id)
    if attempt is None:
        return
    period = PayoutPeriod.objects.filter(pk=period_id).first()
    if period is None or period.approve_job_id != job_id:
        job_fail(job_id=job_id, message=_("已被新的审核任务取代。"))
        return
    if period.status != Status.APPROVING:
        # an earlier run flipped the period and died before it could say so
        job_succeed(job_id=job_id, result=_approve_result(period))
        return
    try:
        _run_approve(period=period, job_id=job_id, attempt=attempt)
    except ApprovalSuperseded:
        return
