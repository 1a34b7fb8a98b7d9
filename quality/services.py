"""Writes for quality: lots, inspections and their decisions, switching rules, label sheets.

Custody scans live in ``quality/scans.py`` (their own idempotency and bulk machinery).
"""

import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _g

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import Conflict, NotFound
from jobs.services import job_create, job_fail, job_progress, job_start, job_succeed
from orders.models import Batch
from orders.services import BatchNotFound, BatchTransitionRefused, batch_transition
from workshops.models import Household

from . import codes, labels, sampling
from .errors import (
    AqlNotSupported,
    DispositionRefused,
    HouseholdNotInBatch,
    HouseholdNotInLot,
    InspectionStopped,
    LabelSheetEmpty,
    LotBatchNotReady,
    LotNotInspectable,
    LotShareAboveReturned,
    LotSharesMismatch,
    LotSharesNotAllowed,
    SortCountInvalid,
    SwitchingRefused,
    SwitchingStateNotFound,
    TooManyDefects,
)
from .models import (
    Defect,
    Inspection,
    InspectionPhoto,
    LabelSheet,
    Lot,
    LotShare,
    PieceOutcome,
    Severity,
    SwitchingEvent,
    SwitchingState,
)
from .selectors import (
    lot_get,
    lot_scope,
    packed_pieces_by_household,
    returned_pieces_by_household,
)

Role = User.Role

STAGE_RANK = {stage: rank for rank, stage in enumerate(Lot.Stage.values)}

MATERIAL_BATCH_STATUSES = {Batch.Status.CLAIMED, Batch.Status.IN_PRODUCTION}
FINISHED_BATCH_STATUSES = {
    Batch.Status.IN_PRODUCTION,
    Batch.Status.RETURNED,
    Batch.Status.INSPECTED,
}


# --- Lots -----------------------------------------------------------------------------------


def _batch_for_update(*, actor: User, batch_id: int) -> Batch:
    """The batch, locked, if the actor may pack lots for it (a lead only its own workshop's)."""
    batch = (
        Batch.objects.select_for_update(of=("self",))
        .select_related("order", "workshop__organisation")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or batch.workshop_id is None:
        raise BatchNotFound(detail={"batch_id": batch_id})
    if actor.role == Role.LEAD and batch.workshop.organisation_id != actor.organisation_id:
        raise BatchNotFound(detail={"batch_id": batch_id})
    return batch


@transaction.atomic
def lot_create(
    *,
    actor: User,
    batch_id: int,
    kind: str,
    quantity: int,
    shares: list[dict[str, int]] | None = None,
) -> Lot:
    """Pack a material lot (out to the workshop) or a finished lot (back, with household shares).

    Finished shares must add up to the lot quantity, and no household may be packed beyond
    what it returned on the batch; the batch row is locked so two packers cannot both use the
    same returned pieces.
    """
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    batch = _batch_for_update(actor=actor, batch_id=batch_id)
    shares = shares or []
    if kind == Lot.Kind.MATERIAL:
        if shares:
            raise LotSharesNotAllowed()
        if batch.status not in MATERIAL_BATCH_STATUSES:
            raise LotBatchNotReady(detail={"batch_id": batch_id, "status": batch.status})
    else:
        if batch.status not in FINISHED_BATCH_STATUSES:
            raise LotBatchNotReady(detail={"batch_id": batch_id, "status": batch.status})
        _check_shares(batch=batch, quantity=quantity, shares=shares)
    lot = _lot_insert(actor=actor, batch=batch, kind=kind, quantity=quantity)
    if shares:
        LotShare.objects.bulk_create(
            LotShare(lot=lot, household_id=share["household_id"], quantity=share["quantity"])
            for share in shares
        )
    return lot


def _check_shares(*, batch: Batch, quantity: int, shares: list[dict[str, int]]) -> None:
    by_household: dict[int, int] = {}
    for share in shares:
        by_household[share["household_id"]] = (
            by_household.get(share["household_id"], 0) + share["quantity"]
        )
    if sum(by_household.values()) != quantity or len(by_household) != len(shares):
        raise LotSharesMismatch(
            detail={"quantity": quantity, "shares_total": sum(by_household.values())}
        )
    members = set(
        Household.objects.filter(
            pk__in=list(by_household), workshop_id=batch.workshop_id
        ).values_list("pk", flat=True)
    )
    for household_id in by_household:
        if household_id not in members:
            raise HouseholdNotInBatch(detail={"household_id": household_id})
    returned = returned_pieces_by_household(batch_id=batch.pk)
    packed = packed_pieces_by_household(batch_id=batch.pk)
    for household_id, pieces in by_household.items():
        available = returned.get(household_id, 0) - packed.get(household_id, 0)
        if pieces > available:
            raise LotShareAboveReturned(
                detail={
                    "household_id": household_id,
                    "share": pieces,
                    "returned": returned.get(household_id, 0),
                    "already_packed": packed.get(household_id, 0),
                }
            )


def _lot_insert(*, actor: User, batch: Batch, kind: str, quantity: int) -> Lot:
    # 40 random bits: a collision is rare but possible, so retry on the unique constraint.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Lot.objects.create(
                    code=codes.new_code(),
                    kind=kind,
                    batch=batch,
                    workshop_id=batch.workshop_id,
                    quantity=quantity,
                    created_by=actor,
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique lot code")  # pragma: no cover


# --- Inspections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DefectIn:
    kind: str
    defect_class: str
    count: int
    household_id: int | None = None


def _switching_state_for_update(*, workshop_id: int, product: str) -> SwitchingState:
    SwitchingState.objects.get_or_create(workshop_id=workshop_id, product=product)
    return SwitchingState.objects.select_for_update().get(workshop_id=workshop_id, product=product)


def lot_plan(*, lot: Lot) -> sampling.SamplingPlan:
    """The plan a checker gets for a finished lot now (current severity for its workshop)."""
    state = SwitchingState.objects.filter(
        workshop_id=lot.workshop_id, product=lot.batch.order.product_name
    ).first()
    severity = state.severity if state else Severity.NORMAL
    order = lot.batch.order
    try:
        return sampling.sampling_plan(lot.quantity, order.aql, order.inspection_level, severity)
    except sampling.SamplingError as exc:
        raise AqlNotSupported(detail={"field": exc.field, "reason": str(exc)}) from None


@transaction.atomic
def lot_inspect(
    *,
    actor: User,
    code: str,
    defects: list[DefectIn],
    note: str = "",
) -> Inspection:
    """Record a sampling inspection of a finished lot; the server decides the verdict.

    Verdict (ISO 2859-1, counting nonconforming items): accepted when no critical defect was
    found and the nonconforming items in the sample are at most Ac. Each defect line counts
    defective pieces (a piece with two defects is one line). An accepted lot is decided at
    once: PieceOutcome rows, with sample pieces traced to a household rejected for it. A
    rejected lot waits for its disposition (sort, rework, scrap).
    """
    ensure_role(actor, Role.CHECKER, Role.OPERATOR)
    lot = lot_get(viewer=actor, code=code)
    lot = Lot.objects.select_for_update().select_related("batch__order").get(pk=lot.pk)
    if lot.kind != Lot.Kind.FINISHED or lot.verdict not in (
        Lot.Verdict.PENDING,
        Lot.Verdict.REWORK,
    ):
        raise LotNotInspectable(detail={"code": lot.code, "verdict": lot.verdict})
    if Inspection.objects.filter(lot=lot, round=lot.round).exists():
        raise LotNotInspectable(detail={"code": lot.code, "round": lot.round})
    product = lot.batch.order.product_name
    state = _switching_state_for_update(workshop_id=lot.workshop_id, product=product)
    if state.stopped:
        raise InspectionStopped(detail={"workshop_id": lot.workshop_id, "product": product})
    plan = lot_plan(lot=lot)
    shares = dict(lot.shares.values_list("household_id", "quantity"))
    nonconforming = sum(defect.count for defect in defects)
    if nonconforming > plan.sample_size:
        raise TooManyDefects(
            detail={"nonconforming": nonconforming, "sample_size": plan.sample_size}
        )
    for defect in defects:
        if defect.household_id is not None and defect.household_id not in shares:
            raise HouseholdNotInLot(detail={"household_id": defect.household_id})
    critical = sum(d.count for d in defects if d.defect_class == "critical")
    accepted = critical == 0 and plan.decide(nonconforming)
    now = timezone.now()
    inspection = Inspection.objects.create(
        lot=lot,
        round=lot.round,
        checker=actor,
        severity=plan.severity,
        level=plan.level,
        aql=plan.aql,
        code_letter=plan.code_letter,
        lot_size=lot.quantity,
        sample_size=plan.sample_size,
        accept=plan.accept,
        reject=plan.reject,
        nonconforming=nonconforming,
        critical=critical,
        verdict=Inspection.Verdict.ACCEPTED if accepted else Inspection.Verdict.REJECTED,
        note=note,
        created_at=now,
    )
    Defect.objects.bulk_create(
        Defect(
            inspection=inspection,
            kind=d.kind,
            defect_class=d.defect_class,
            count=d.count,
            household_id=d.household_id,
        )
        for d in defects
    )
    changes: dict[str, Any] = {
        "verdict": Lot.Verdict.ACCEPTED if accepted else Lot.Verdict.REJECTED
    }
    if STAGE_RANK[lot.stage] < STAGE_RANK[Lot.Stage.INSPECTED]:
        changes.update(stage=Lot.Stage.INSPECTED, stage_changed_at=now)
    Lot.objects.filter(pk=lot.pk).update(**changes)
    if accepted:
        traced: dict[int, int] = {}
        for d in defects:
            if d.household_id is not None:
                traced[d.household_id] = traced.get(d.household_id, 0) + d.count
        rejected = {hh: min(traced.get(hh, 0), share) for hh, share in shares.items()}
        _decide(inspection=inspection, lot=lot, shares=shares, rejected=rejected, at=now)
    if inspection.round == 1:
        _switching_record(state=state, inspection=inspection, plan=plan, accepted=accepted)
    return inspection


def _decide(
    *,
    inspection: Inspection,
    lot: Lot,
    shares: dict[int, int],
    rejected: dict[int, int],
    at: datetime,
) -> None:
    """Write the per-household outcome of a decided lot (conservation: sums to the lot)."""
    assert sum(shares.values()) == lot.quantity
    PieceOutcome.objects.bulk_create(
        PieceOutcome(
            lot=lot,
            inspection=inspection,
            household_id=household_id,
            batch_id=lot.batch_id,
            order_id=lot.batch.order_id,
            accepted=share - rejected.get(household_id, 0),
            rejected=rejected.get(household_id, 0),
            is_rework=inspection.round > 1,
            decided_at=at,
        )
        for household_id, share in sorted(shares.items())
    )
    Inspection.objects.filter(pk=inspection.pk).update(decided_at=at)
    inspection.decided_at = at


@transaction.atomic
def inspection_dispose(
    *,
    actor: User,
    inspection_id: int,
    disposition: str,
    rejected_by_household: dict[int, int] | None = None,
    note: str = "",
) -> Inspection:
    """Dispose of a rejected lot: sort it 100 % (the sorter says how many pieces of each
    household are bad), send it back for rework (re-inspected as the next round), or scrap it.
    """
    from .selectors import inspection_get

    ensure_role(actor, Role.CHECKER, Role.OPERATOR)
    inspection = inspection_get(viewer=actor, inspection_id=inspection_id)
    won = Inspection.objects.filter(
        pk=inspection.pk, verdict=Inspection.Verdict.REJECTED, disposition=""
    ).update(disposition=disposition, note=note or inspection.note)
    if not won:
        raise DispositionRefused(detail={"inspection_id": inspection_id})
    inspection.refresh_from_db()
    lot = Lot.objects.select_for_update().select_related("batch").get(pk=inspection.lot_id)
    shares = dict(lot.shares.values_list("household_id", "quantity"))
    now = timezone.now()
    if disposition == Inspection.Disposition.SORT:
        rejected = {int(k): v for k, v in (rejected_by_household or {}).items()}
        for household_id, count in rejected.items():
            if household_id not in shares:
                raise HouseholdNotInLot(detail={"household_id": household_id})
            if count < 0 or count > shares[household_id]:
                raise SortCountInvalid(
                    detail={"household_id": household_id, "share": shares[household_id]}
                )
        _decide(inspection=inspection, lot=lot, shares=shares, rejected=rejected, at=now)
        Lot.objects.filter(pk=lot.pk).update(verdict=Lot.Verdict.SORTED)
    elif disposition == Inspection.Disposition.SCRAP:
        _decide(inspection=inspection, lot=lot, shares=shares, rejected=shares, at=now)
        Lot.objects.filter(pk=lot.pk).update(verdict=Lot.Verdict.SCRAPPED)
    else:
        # Back to the workshop: a new round, custody starts again from packed.
        Lot.objects.filter(pk=lot.pk).update(
            verdict=Lot.Verdict.REWORK,
            round=lot.round + 1,
            round_started_at=now,
            stage=Lot.Stage.PACKED,
            stage_changed_at=now,
        )
    return inspection


# --- Switching rules ------------------------------------------------------------------------


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


# --- Label sheets ---------------------------------------------------------------------------


@transaction.atomic
def label_sheet_create(*, actor: User, lot_codes: list[str]) -> LabelSheet:
    """Queue an A4 PDF of labels for the given lots (those the actor may see)."""
    from .selectors import parse_code
    from .tasks import label_sheet_task

    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    wanted = list(dict.fromkeys(parse_code(code) for code in lot_codes))
    visible = set(
        lot_scope(Lot.objects.filter(code__in=wanted), viewer=actor).values_list("code", flat=True)
    )
    missing = [code for code in wanted if code not in visible]
    if missing:
        from .errors import LotNotFound

        raise LotNotFound(detail={"codes": missing[:20]})
    if not wanted:
        raise LabelSheetEmpty()
    job = job_create(kind="label_sheet", created_by=actor, total=len(wanted), message=_g("排队中"))
    sheet = LabelSheet.objects.create(job=job, lot_codes=wanted, created_by=actor)
    transaction.on_commit(lambda: label_sheet_task.delay(sheet.pk))
    return sheet


# --- Production start on the material lot's arrival ------------------------------------------


def batch_start_production(*, batch_id: int, actor: User) -> bool:
    """Claimed → in production (the orders app's service when it has one). False if the batch
    was not waiting to start (already started, released, cancelled)."""
    from orders import services as orders_services

    start = getattr(orders_services, "batch_start_production", None)
    try:
        if start is not None:
            start(batch_id=batch_id, actor=actor)
        else:
            batch_transition(
                batch_id=batch_id,
                from_status=Batch.Status.CLAIMED,
                to_status=Batch.Status.IN_PRODUCTION,
                actor=actor,
                reason="material_lot_received",
                production_started_at=timezone.now(),
            )
    except (BatchTransitionRefused, Conflict, NotFound):
        return False
    return True


def label_content(lot: Lot) -> "labels.LabelContent":
    from .schemas import lot_url

    return labels.LabelContent(
        code=lot.code,
        url=lot_url(lot.code),
        product=lot.batch.order.product_name,
        quantity=lot.quantity,
        batch=f"#{lot.batch.number}",
        workshop=lot.workshop.organisation.name,
        kind=str(lot.get_kind_display()),
    )


def label_sheet_build(*, sheet_id: int) -> int:
    """Render a label sheet's PDF, reporting progress on its job (outside any transaction so
    that ``GET /tasks/{id}`` sees it move)."""
    from django.core.files import File

    sheet = LabelSheet.objects.select_related("job").get(pk=sheet_id)
    if sheet.pdf:
        return len(sheet.lot_codes)
    job_id = sheet.job_id
    job_start(job_id=job_id, total=len(sheet.lot_codes))
    try:
        order = {code: i for i, code in enumerate(sheet.lot_codes)}

        def contents():
            # Stream in chunks so memory stays flat however many labels there are.
            codes_ = sheet.lot_codes
            for start in range(0, len(codes_), 500):
                chunk = (
                    Lot.objects.filter(code__in=codes_[start : start + 500])
                    .select_related("batch__order", "workshop__organisation")
                    .order_by()
                )
                for lot in sorted(chunk, key=lambda lot: order[lot.code]):
                    yield label_content(lot)

        with tempfile.TemporaryFile() as out:
            count = labels.label_sheet_pdf(
                contents(),
                out,
                total=len(sheet.lot_codes),
                progress=lambda done: job_progress(job_id=job_id, done=done),
            )
            out.seek(0)
            sheet.pdf.save(f"labels-{sheet.pk}.pdf", File(out), save=True)
    except Exception as exc:
        job_fail(job_id=job_id, message=str(exc))
        raise
    job_succeed(
        job_id=job_id,
        result={
            "sheet_id": sheet.pk,
            "labels": count,
            "url": f"/api/v1/labels/sheets/{sheet.pk}.pdf",
        },
    )
    return count


# --- Photos ------------------------------------------------------------------------------


@transaction.atomic
def inspection_photo_add(*, actor: User, inspection_id: int, data: bytes) -> InspectionPhoto:
    from .photos import photo_clean
    from .selectors import inspection_get

    ensure_role(actor, Role.CHECKER, Role.OPERATOR)
    inspection = inspection_get(viewer=actor, inspection_id=inspection_id)
    clean = photo_clean(data)
    return InspectionPhoto.objects.create(
        inspection=inspection,
        image=clean.image,
        thumbnail=clean.thumbnail,
        width=clean.width,
        height=clean.height,
        uploaded_by=actor,
    )
