"""Writes for payouts: periods and their states, shares, adjustments, the ledger, statements.

Every status change is a guarded conditional UPDATE (``_transition``): when two operators
approve at once the database lets exactly one UPDATE match, and the other gets 409.
"""

import secrets
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role
from core.errors import BadRequest, Conflict, NotFound
from jobs.models import Job
from jobs.services import job_create, job_fail, job_progress, job_start, job_succeed
from workshops.models import Household, Workshop

from .compute import ComputeSuperseded, claimable_outcome_count, compute_chunks
from .models import (
    PERIOD_TRANSITIONS,
    LedgerEntry,
    PayoutAdjustment,
    PayoutClaim,
    PayoutLine,
    PayoutPeriod,
    PayoutPeriodEvent,
    PayoutPool,
    PayoutShareConfig,
    ShareKind,
    Statement,
)
from .money import yuan_to_fen

Status = PayoutPeriod.Status
Role = User.Role

# Above this many candidate outcomes a compute request goes to the Celery worker.
SYNC_COMPUTE_LIMIT = 20_000
# A period stuck in ``computing`` this long (its worker died) may be computed again.
STALE_COMPUTE_AFTER = timedelta(minutes=30)


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


class PeriodNegativeTotals(Conflict):
    code = "payout_period_negative_totals"
    message = _("有农户的扣款超过其应得金额，不能审核。")


class AdjustmentReasonRequired(BadRequest):
    code = "adjustment_reason_required"
    message = _("调整必须填写原因。")


class AdjustmentAmountInvalid(BadRequest):
    code = "adjustment_amount_invalid"
    message = _("调整金额必须大于零，且最多两位小数。")


class AdjustmentHouseholdOutOfScope(BadRequest):
    code = "adjustment_household_out_of_scope"
    message = _("该农户不在此结算期的范围内。")


class AdjustmentCorrectsInvalid(BadRequest):
    code = "adjustment_corrects_invalid"
    message = _("更正的只能是另一个已审核的结算期。")


class AdjustmentMakesTotalNegative(Conflict):
    code = "adjustment_makes_total_negative"
    message = _("扣款后该农户本期合计将为负数。")


class ShareInvalid(BadRequest):
    code = "payout_share_invalid"
    message = _("分成设置无效：百分比合计不能超过 100，金额不能为负。")


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


def household_in_period_scope(*, period: PayoutPeriod, household: Household) -> bool:
    if period.scope == PayoutPeriod.Scope.WORKSHOP:
        return household.workshop_id == period.workshop_id
    if period.scope == PayoutPeriod.Scope.REGION:
        return Workshop.objects.filter(
            pk=household.workshop_id, organisation__service_center_id=period.region_id
        ).exists()
    return True


# --- shares --------------------------------------------------------------------------------


@transaction.atomic
def share_config_set(
    *,
    actor: User,
    workshop_id: int,
    lead_kind: str,
    lead_value: Decimal,
    center_kind: str,
    center_value: Decimal,
) -> PayoutShareConfig:
    """Set a workshop's lead and service-center shares (used by periods computed from now on)."""
    ensure_role(actor, Role.OPERATOR)
    if not Workshop.objects.filter(pk=workshop_id).exists():
        raise NotFound(code="workshop_not_found", detail={"workshop_id": workshop_id})
    valid_kinds = set(ShareKind.values)
    percent_total = sum(
        value
        for kind, value in ((lead_kind, lead_value), (center_kind, center_value))
        if kind == ShareKind.PERCENT
    )
    if (
        lead_kind not in valid_kinds
        or center_kind not in valid_kinds
        or lead_value < 0
        or center_value < 0
        or percent_total > 100
        or lead_value != lead_value.quantize(Decimal("0.0001"))
        or center_value != center_value.quantize(Decimal("0.0001"))
    ):
        raise ShareInvalid(
            detail={
                "lead": [lead_kind, str(lead_value)],
                "center": [center_kind, str(center_value)],
            }
        )
    config, _ = PayoutShareConfig.objects.update_or_create(
        workshop_id=workshop_id,
        defaults={
            "lead_kind": lead_kind,
            "lead_value": lead_value,
            "center_kind": center_kind,
            "center_value": center_value,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    config.refresh_from_db()
    return config


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


@transaction.atomic
def _compute_begin(*, period_id: int, actor: User | None, job: Job | None) -> PayoutPeriod:
    """draft/computed (or a stale computing) → computing; release the draft's earlier work."""
    period = _period_for_update(period_id)
    now = timezone.now()
    stale = (
        period.status == Status.COMPUTING
        and period.computing_since is not None
        and period.computing_since < now - STALE_COMPUTE_AFTER
    )
    if period.is_locked:
        raise PeriodLocked(detail={"period_id": period_id, "status": period.status})
    if period.status not in {Status.DRAFT, Status.COMPUTED} and not stale:
        raise PeriodNotComputable(detail={"period_id": period_id, "status": period.status})
    PayoutLine.objects.filter(pool__period_id=period_id).delete()
    PayoutPool.objects.filter(period_id=period_id).delete()
    PayoutClaim.objects.filter(period_id=period_id).delete()
    PayoutPeriod.objects.filter(pk=period_id).update(
        status=Status.COMPUTING, computing_since=now, compute_job=job
    )
    _record_event(
        period_id=period_id, from_status=period.status, to_status=Status.COMPUTING, actor=actor
    )
    period.refresh_from_db()
    return period


def _still_ours(period: PayoutPeriod):
    def check() -> bool:
        return PayoutPeriod.objects.filter(
            pk=period.pk, status=Status.COMPUTING, computing_since=period.computing_since
        ).exists()

    return check


def _period_totals(period_id: int) -> dict[str, int]:
    pools = PayoutPool.objects.filter(period_id=period_id).aggregate(
        pieces=Sum("pieces"),
        rework_pieces=Sum("rework_pieces"),
        gross_fen=Sum("gross_fen"),
        households_fen=Sum("households_fen"),
        lead_fen=Sum("lead_fen"),
        center_fen=Sum("center_fen"),
    )
    adjustments = PayoutAdjustment.objects.filter(period_id=period_id).aggregate(
        bonus_fen=Sum("amount_fen", filter=Q(kind=PayoutAdjustment.Kind.BONUS)),
        deduction_fen=Sum("amount_fen", filter=Q(kind=PayoutAdjustment.Kind.DEDUCTION)),
    )
    totals = {key: value or 0 for key, value in {**pools, **adjustments}.items()}
    return totals


@transaction.atomic
def _compute_finish(*, period: PayoutPeriod, actor: User | None) -> PayoutPeriod:
    locked = _period_for_update(period.pk)
    if locked.status != Status.COMPUTING or locked.computing_since != period.computing_since:
        raise ComputeSuperseded(period.pk)
    return _transition(
        period_id=period.pk,
        from_statuses={Status.COMPUTING},
        to_status=Status.COMPUTED,
        actor=actor,
        refusal=PeriodNotComputable,
        computed_at=timezone.now(),
        computing_since=None,
        **_period_totals(period.pk),
    )


@transaction.atomic
def _compute_abort(*, period: PayoutPeriod, actor: User | None, reason: str) -> None:
    """Undo a failed compute: release its claims and go back to draft (if still ours)."""
    locked = _period_for_update(period.pk)
    if locked.status != Status.COMPUTING or locked.computing_since != period.computing_since:
        return
    PayoutLine.objects.filter(pool__period_id=period.pk).delete()
    PayoutPool.objects.filter(period_id=period.pk).delete()
    PayoutClaim.objects.filter(period_id=period.pk).delete()
    _transition(
        period_id=period.pk,
        from_statuses={Status.COMPUTING},
        to_status=Status.DRAFT,
        actor=actor,
        refusal=PeriodNotComputable,
        note=reason[:200],
        computing_since=None,
    )


def _run_compute(*, period: PayoutPeriod, actor: User | None, job_id: int | None) -> PayoutPeriod:
    def progress(done: int, total: int) -> None:
        if job_id is not None:
            job_progress(job_id=job_id, done=done, message=f"{done}/{total}")

    if job_id is not None:
        job_start(job_id=job_id)
    try:
        compute_chunks(period=period, still_ours=_still_ours(period), progress=progress)
        period = _compute_finish(period=period, actor=actor)
    except Exception as exc:
        if not isinstance(exc, ComputeSuperseded):
            _compute_abort(period=period, actor=actor, reason=repr(exc))
        if job_id is not None:
            job_fail(job_id=job_id, message=repr(exc))
        raise
    if job_id is not None:
        job_succeed(
            job_id=job_id,
            result={"period_id": period.pk, "status": period.status, "gross_fen": period.gross_fen},
        )
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
    from .tasks import period_compute_task

    with transaction.atomic():
        job = job_create(kind="payout_period", created_by=actor)
        period = _compute_begin(period_id=period_id, actor=actor, job=job)
        transaction.on_commit(lambda: period_compute_task.delay(period_id, job.pk))
    return period, job


def period_compute_run(*, period_id: int, job_id: int) -> None:
    """The worker's half of ``period_compute_request`` (idempotent: a finished run is a no-op)."""
    period = PayoutPeriod.objects.filter(pk=period_id).first()
    if period is None or period.status != Status.COMPUTING or period.compute_job_id != job_id:
        return
    _run_compute(period=period, actor=None, job_id=job_id)


def _household_totals(period_id: int) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for household_id, amount in (
        PayoutLine.objects.filter(pool__period_id=period_id)
        .values("household_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("household_id", "total")
    ):
        totals[household_id] += amount
    for adjustment in PayoutAdjustment.objects.filter(period_id=period_id).only(
        "household_id", "kind", "amount_fen"
    ):
        totals[adjustment.household_id] += adjustment.signed_fen
    return totals


@transaction.atomic
def period_approve(*, period_id: int, actor: User) -> PayoutPeriod:
    """Lock a computed period: write its ledger entries and its households' statements."""
    ensure_role(actor, Role.OPERATOR)
    now = timezone.now()
    period = _transition(
        period_id=period_id,
        from_statuses={Status.COMPUTED},
        to_status=Status.APPROVED,
        actor=actor,
        refusal=PeriodNotComputed,
        approved_by=actor,
        approved_at=now,
    )
    totals = _household_totals(period_id)
    negative = sorted(household_id for household_id, total in totals.items() if total < 0)
    if negative:
        raise PeriodNegativeTotals(detail={"household_ids": negative[:50]})
    _ledger_on_approve(period=period, actor=actor, household_totals=totals, at=now)
    Statement.objects.bulk_create(
        [
            Statement(
                period=period,
                household_id=household_id,
                token=secrets.token_urlsafe(24),
                total_fen=total,
                created_at=now,
            )
            for household_id, total in sorted(totals.items())
        ],
        batch_size=5000,
    )
    return period


def _ledger_on_approve(
    *, period: PayoutPeriod, actor: User, household_totals: dict[int, int], at
) -> None:
    entries: list[LedgerEntry] = []
    common = {"period": period, "created_by": actor, "created_at": at}
    pools = PayoutPool.objects.filter(period=period)
    for row in (
        pools.values("merchant_id", "order_id")
        .annotate(total=Sum("gross_fen"))
        .order_by("order_id")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.MERCHANT_CHARGE,
                merchant_id=row["merchant_id"],
                order_id=row["order_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    for row in (
        pools.filter(lead_fen__gt=0)
        .values("workshop_id")
        .annotate(total=Sum("lead_fen"))
        .order_by("workshop_id")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.LEAD_PAYABLE,
                workshop_id=row["workshop_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    for row in (
        pools.filter(center_fen__gt=0)
        .values("service_center_id")
        .annotate(total=Sum("center_fen"))
        .order_by("service_center_id")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.CENTER_PAYABLE,
                service_center_id=row["service_center_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    for row in (
        PayoutLine.objects.filter(pool__period=period)
        .values("household_id", "pool__workshop_id")
        .annotate(total=Sum("amount_fen"))
        .order_by("household_id", "pool__workshop_id")
    ):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.HOUSEHOLD_PAYABLE,
                household_id=row["household_id"],
                workshop_id=row["pool__workshop_id"],
                amount_fen=row["total"],
                **common,
            )
        )
    for adjustment in PayoutAdjustment.objects.filter(period=period).order_by("pk"):
        entries.append(
            LedgerEntry(
                kind=LedgerEntry.Kind.ADJUSTMENT,
                household_id=adjustment.household_id,
                adjustment=adjustment,
                amount_fen=adjustment.signed_fen,
                memo=adjustment.reason[:200],
                **common,
            )
        )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)


@transaction.atomic
def period_mark_paid(*, period_id: int, actor: User, payment_reference: str = "") -> PayoutPeriod:
    """Record that an approved period's money went out; the ledger settles every payable."""
    ensure_role(actor, Role.OPERATOR)
    now = timezone.now()
    period = _transition(
        period_id=period_id,
        from_statuses={Status.APPROVED},
        to_status=Status.PAID,
        actor=actor,
        refusal=PeriodNotApproved,
        paid_by=actor,
        paid_at=now,
        payment_reference=payment_reference.strip()[:80],
    )
    payment_kind = {
        LedgerEntry.Kind.LEAD_PAYABLE: LedgerEntry.Kind.LEAD_PAYMENT,
        LedgerEntry.Kind.CENTER_PAYABLE: LedgerEntry.Kind.CENTER_PAYMENT,
    }
    entries = []
    household_totals: dict[int, int] = defaultdict(int)
    household_workshop: dict[int, int] = {}
    for entry in LedgerEntry.objects.filter(period=period).exclude(
        kind=LedgerEntry.Kind.MERCHANT_CHARGE
    ):
        if entry.kind in payment_kind:
            entries.append(
                LedgerEntry(
                    period=period,
                    kind=payment_kind[entry.kind],
                    workshop_id=entry.workshop_id,
                    service_center_id=entry.service_center_id,
                    amount_fen=-entry.amount_fen,
                    memo=period.payment_reference,
                    created_by=actor,
                    created_at=now,
                )
            )
            continue
        household_totals[entry.household_id] += entry.amount_fen
        if entry.workshop_id is not None:
            household_workshop.setdefault(entry.household_id, entry.workshop_id)
    for household_id, total in sorted(household_totals.items()):
        if total:
            entries.append(
                LedgerEntry(
                    period=period,
                    kind=LedgerEntry.Kind.HOUSEHOLD_PAYMENT,
                    household_id=household_id,
                    workshop_id=household_workshop.get(household_id),
                    amount_fen=-total,
                    memo=period.payment_reference,
                    created_by=actor,
                    created_at=now,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    return period


# --- adjustments ---------------------------------------------------------------------------


@transaction.atomic
def adjustment_create(
    *,
    actor: User,
    period_id: int,
    household_id: int,
    kind: str,
    amount: Decimal | str,
    reason: str,
    corrects_period_id: int | None = None,
) -> PayoutAdjustment:
    """A bonus or deduction for one household in an open period, with its reason.

    A correction to an approved period names it in ``corrects_period_id`` and goes into this
    (later, unlocked) period. A deduction may not take the household's period total below zero.
    """
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise AdjustmentReasonRequired()
    try:
        amount_decimal = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise AdjustmentAmountInvalid(detail={"amount": str(amount)}) from None
    if (
        not amount_decimal.is_finite()
        or amount_decimal <= 0
        or amount_decimal != amount_decimal.quantize(Decimal("0.01"))
    ):
        raise AdjustmentAmountInvalid(detail={"amount": str(amount)})
    amount_fen = yuan_to_fen(amount_decimal)
    if kind not in PayoutAdjustment.Kind.values:
        raise BadRequest(code="adjustment_kind_invalid", detail={"kind": kind})
    period = _period_for_update(period_id)
    if period.is_locked:
        raise PeriodLocked(detail={"period_id": period_id, "status": period.status})
    if period.status == Status.COMPUTING:
        raise PeriodNotComputable(detail={"period_id": period_id, "status": period.status})
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise NotFound(code="household_not_found", detail={"household_id": household_id})
    if not household_in_period_scope(period=period, household=household):
        raise AdjustmentHouseholdOutOfScope(detail={"household_id": household_id})
    if corrects_period_id is not None:
        corrected = PayoutPeriod.objects.filter(pk=corrects_period_id).first()
        if (
            corrected is None
            or corrected.pk == period.pk
            or corrected.status not in {Status.APPROVED, Status.PAID}
        ):
            raise AdjustmentCorrectsInvalid(detail={"corrects_period_id": corrects_period_id})
    if kind == PayoutAdjustment.Kind.DEDUCTION:
        current = household_period_total(period_id=period.pk, household_id=household_id)
        if current - amount_fen < 0:
            raise AdjustmentMakesTotalNegative(
                detail={
                    "household_id": household_id,
                    "total_fen": current,
                    "amount_fen": amount_fen,
                }
            )
    adjustment = PayoutAdjustment.objects.create(
        period=period,
        household=household,
        kind=kind,
        amount_fen=amount_fen,
        reason=reason[:200],
        corrects_id=corrects_period_id,
        created_by=actor,
    )
    PayoutPeriod.objects.filter(pk=period.pk).update(
        **{
            key: value
            for key, value in _period_totals(period.pk).items()
            if key in {"bonus_fen", "deduction_fen"}
        }
    )
    return adjustment


def household_period_total(*, period_id: int, household_id: int) -> int:
    lines = (
        PayoutLine.objects.filter(pool__period_id=period_id, household_id=household_id).aggregate(
            total=Sum("amount_fen")
        )["total"]
        or 0
    )
    adjustments = sum(
        adjustment.signed_fen
        for adjustment in PayoutAdjustment.objects.filter(
            period_id=period_id, household_id=household_id
        )
    )
    return lines + adjustments


def period_open(
    *, actor: User, compute: bool = True, **fields: Any
) -> tuple[PayoutPeriod, Job | None]:
    """Open a period and (by default) compute it at once, in the background if it is large."""
    period = period_create(actor=actor, **fields)
    if not compute:
        return period, None
    return period_compute_request(period_id=period.pk, actor=actor)
