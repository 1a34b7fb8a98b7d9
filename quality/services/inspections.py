"""Inspections: sampling a finished lot, the server's verdict, and what becomes of each piece.

Rules (ISO 2859-1, counting nonconforming items):
- The plan follows from the lot size, the order's AQL and inspection level, and the current
  severity of the workshop's switching state for the product (``lot_plan``).
- One inspection per lot and round, and none while the switching state is stopped.
- The checker reports defects; the server decides: accepted when no critical defect was found
  and the nonconforming items in the sample are at most Ac.
- A decided lot gets one PieceOutcome per household share, summing to the lot (conservation);
  sample pieces traced to a household are rejected for it.
- A rejected lot waits for its disposition, given once: sort (the sorter says how many of each
  household's pieces are bad), rework (back to packed, re-inspected as the next round), scrap.
- Only first-round inspections move the switching rules (``switching``).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role

from .. import sampling
from ..errors import (
    AqlNotSupported,
    DispositionRefused,
    HouseholdNotInLot,
    InspectionStopped,
    LotNotInspectable,
    SortCountInvalid,
    TooManyDefects,
)
from ..models import (
    Defect,
    Inspection,
    InspectionPhoto,
    Lot,
    PieceOutcome,
    Severity,
    SwitchingEvent,
    SwitchingState,
)
from ..selectors import lot_get_for_update
from ..webhooks import emit_lot_inspected
from .switching import _switching_record, _switching_state_for_update

Role = User.Role

STAGE_RANK = {stage: rank for rank, stage in enumerate(Lot.Stage.values)}


@dataclass(frozen=True)
class DefectIn:
    kind: str
    defect_class: str
    count: int
    household_id: int | None = None


_READ = object()  # lot_plan's ``state`` not given: read it


def lot_plan(*, lot: Lot, state: SwitchingState | object | None = _READ) -> sampling.SamplingPlan:
    """The plan a checker gets for a finished lot now (current severity for its workshop).

    ``state``: the workshop's switching state for the lot's product when the caller has it
    already (None: there is none), so that it is not read again."""
    if state is _READ:
        state = SwitchingState.objects.filter(
            workshop_id=lot.workshop_id, product=lot.batch.order.product_name
        ).first()
    severity = state.severity if state else Severity.NORMAL
    order = lot.batch.order
    try:
        return sampling.sampling_plan(lot.quantity, order.aql, order.inspection_level, severity)
    except sampling.SamplingError as exc:
        raise AqlNotSupported(detail={"field": exc.field, "reason": str(exc)}) from None


@dataclass(frozen=True)
class NextPlan:
    """What the next lot of a workshop and product will get, after the latest verdict."""

    plan: sampling.SamplingPlan | None  # None while inspection is stopped
    stopped: bool
    next_lot: Lot | None  # the next finished lot waiting, if there is one (else: same size)
    switched: SwitchingEvent | None  # the change of severity this inspection caused, if any


def next_lot_plan(*, lot: Lot, inspection: Inspection | None = None) -> NextPlan:
    """The plan the next lot of ``lot``'s workshop and product gets under the switching rules.

    The next lot is the oldest other finished lot of the same workshop and product still
    waiting for inspection; without one, a lot of this lot's size stands for it.
    """
    product = lot.batch.order.product_name
    state = SwitchingState.objects.filter(workshop_id=lot.workshop_id, product=product).first()
    switched = None
    if inspection is not None and state is not None:
        switched = (
            SwitchingEvent.objects.filter(state=state, inspection=inspection).order_by("pk").last()
        )
    next_lot = (
        Lot.objects.filter(
            kind=Lot.Kind.FINISHED,
            workshop_id=lot.workshop_id,
            batch__order__product_name=product,
            verdict__in=[Lot.Verdict.PENDING, Lot.Verdict.REWORK],
        )
        .exclude(pk=lot.pk)
        .select_related("batch__order")
        .order_by("created_at", "pk")
        .first()
    )
    if state is not None and state.stopped:
        return NextPlan(plan=None, stopped=True, next_lot=next_lot, switched=switched)
    reference = next_lot or lot
    return NextPlan(
        plan=lot_plan(lot=reference, state=state),
        stopped=False,
        next_lot=next_lot,
        switched=switched,
    )


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
    lot = lot_get_for_update(viewer=actor, code=code)
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
    plan = lot_plan(lot=lot, state=state)
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
    if accepted:
        _settle(batch_id=lot.batch_id, actor=actor)
    emit_lot_inspected(lot=lot, inspection=inspection)
    return inspection


def _settle(*, batch_id: int, actor: User) -> None:
    """A decision accounts for pieces: the batch may move on (inspected, or closed when nothing
    is left to receive)."""
    from .delivery import batch_settle_if_accounted

    batch_settle_if_accounted(batch_id=batch_id, actor=actor)


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
    from ..selectors import inspection_get

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
        # Once per decision: the disposition above is set once (the guarded UPDATE).
        transaction.on_commit(lambda: _notify_lot_back_for_rework(inspection.pk))
    _settle(batch_id=lot.batch_id, actor=actor)
    return inspection


def _notify_lot_back_for_rework(inspection_id: int) -> None:
    """Tell the lead of the lot's workshop that it failed and comes back for rework."""
    from accounts.notifications import notify_user

    inspection = (
        Inspection.objects.select_related("lot__batch__order", "lot__workshop__lead")
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None or inspection.lot.workshop.lead is None:
        return
    lot = inspection.lot
    notify_user(
        user=lot.workshop.lead,
        kind="lot_rejected",
        text=format_lazy(  # rendered in the lead's (the site's) language by notify_user
            _(
                "货批 {code}（{product} 第{number}批）检验不合格：抽检 {sample} 件，"
                "不合格 {bad} 件，已退回工坊返工。返工后请重新打包送检。"
            ),
            code=lot.code,
            product=lot.batch.order.product_name,
            number=lot.batch.number,
            sample=inspection.sample_size,
            bad=inspection.nonconforming,
        ),
        data={
            "lot_code": lot.code,
            "inspection_id": inspection.pk,
            "batch_id": lot.batch_id,
            "order_id": lot.batch.order_id,
            "disposition": inspection.disposition,
            "round": inspection.round,
        },
        link=reverse("orders:batch", args=[lot.batch_id]),
    )


@transaction.atomic
def inspection_photo_add(*, actor: User, inspection_id: int, data: bytes) -> InspectionPhoto:
    from ..photos import photo_clean
    from ..selectors import inspection_get

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
