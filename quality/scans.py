"""Custody scans: each hand-over recorded exactly once, whenever and however often it arrives.

A phone makes a key (a UUID) for each scan when it is taken and sends it until it hears back,
maybe days later, in any order, maybe three times. The server:

- records a new key once (a unique constraint decides between racing requests);
- answers a repeated key with the same body by the first answer, recording nothing;
- answers a repeated key with a different body by 409 ``scan_key_reused``;
- applies scans of one lot in device-time order; a scan that no longer fits (the lot already
  moved past it, or it belongs to a round before a rework) is kept, not applied, and flagged.

``scan_ingest`` is set-based (a handful of queries for up to 1,000 scans), so the single scan
and the bulk queue share one path.
"""

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role
from config.errors import ApplicationError

from . import codes
from .errors import (
    BulkTooLarge,
    LotCodeCheckFailed,
    LotCodeInvalid,
    LotNotFound,
    ScanActionNotForKind,
    ScanKeyReused,
)
from .models import Lot, ScanEvent
from .selectors import lot_scope

BULK_LIMIT = 1000
Role = User.Role
Action = ScanEvent.Action
STAGE_RANK = {stage: rank for rank, stage in enumerate(Lot.Stage.values)}
MATERIAL_ACTIONS = {Action.PACKED, Action.SHIPPED, Action.RECEIVED}


@dataclass
class ScanItem:
    index: int
    key: str
    code: str
    action: str
    device_time: datetime
    note: str = ""
    body_hash: str = ""


@dataclass
class ScanResult:
    index: int
    key: str
    status: str  # "created" | "replayed" | "rejected"
    event: ScanEvent | None = None
    error: dict[str, Any] = field(default_factory=dict)
    status_code: int = 201


def body_hash(*, actor_id: int, code: str, action: str, device_time: datetime, note: str) -> str:
    body = {
        "actor": actor_id,
        "code": code,
        "action": action,
        "device_time": device_time.astimezone(UTC).isoformat(timespec="microseconds"),
        "note": note,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _rejected(item: ScanItem, exc: ApplicationError) -> ScanResult:
    return ScanResult(
        index=item.index,
        key=item.key,
        status="rejected",
        error=exc.body(),
        status_code=exc.status,
    )


def scan_ingest(*, actor: User, items: list[ScanItem]) -> list[ScanResult]:
    """Record a list of scans; each gets its own result, in the order given."""
    ensure_role(actor, Role.LEAD, Role.CHECKER, Role.OPERATOR)
    if len(items) > BULK_LIMIT:
        raise BulkTooLarge(detail={"limit": BULK_LIMIT, "received": len(items)})
    for _attempt in range(3):
        try:
            return _ingest_once(actor=actor, items=items)
        except IntegrityError:
            # Another request recorded one of these keys between our read and our insert:
            # start again; this time the key is found and answered as a replay.
            continue
    return _ingest_once(actor=actor, items=items)


def _ingest_once(*, actor: User, items: list[ScanItem]) -> list[ScanResult]:
    results: dict[int, ScanResult] = {}
    parsed: list[ScanItem] = []
    for item in items:
        if timezone.is_naive(item.device_time):
            # A phone that sent no offset: read its time as the platform's (Asia/Shanghai).
            item.device_time = timezone.make_aware(item.device_time)
        try:
            item.code = codes.normalise(item.code)
        except codes.CodeError as exc:
            error = LotCodeCheckFailed if exc.reason == "check" else LotCodeInvalid
            results[item.index] = _rejected(item, error(detail={"code": item.code}))
            continue
        item.body_hash = body_hash(
            actor_id=actor.pk,
            code=item.code,
            action=item.action,
            device_time=item.device_time,
            note=item.note,
        )
        parsed.append(item)

    # Only key → hash first (cheap); whole rows only for the keys that are replays.
    known = dict(
        ScanEvent.objects.filter(key__in={i.key for i in parsed}).values_list("key", "body_hash")
    )
    replayed_keys = [i.key for i in parsed if known.get(i.key) == i.body_hash]
    existing = (
        {e.key: e for e in ScanEvent.objects.filter(key__in=replayed_keys).select_related("lot")}
        if replayed_keys
        else {}
    )
    fresh: dict[str, ScanItem] = {}  # first occurrence of each new key in this request
    repeats: list[ScanItem] = []
    for item in parsed:
        first = existing.get(item.key)
        first_hash = known.get(item.key)
        if first_hash is None and item.key in fresh:
            first_hash = fresh[item.key].body_hash
        if first_hash is None:
            fresh[item.key] = item
        elif first_hash != item.body_hash:
            results[item.index] = _rejected(item, ScanKeyReused(detail={"key": item.key}))
        elif first is not None:
            results[item.index] = ScanResult(
                index=item.index, key=item.key, status="replayed", event=first, status_code=200
            )
        else:
            repeats.append(item)

    created: dict[str, ScanEvent] = {}
    if fresh:
        with transaction.atomic():
            created = _record(actor=actor, items=list(fresh.values()), results=results)
    for item in repeats:
        event = created.get(item.key)
        if event is None:
            # The first occurrence was refused: this copy gets the same answer.
            results[item.index] = replace(results[fresh[item.key].index], index=item.index)
        else:
            results[item.index] = ScanResult(
                index=item.index, key=item.key, status="replayed", event=event, status_code=200
            )
    return [results[item.index] for item in items]


def _record(
    *, actor: User, items: list[ScanItem], results: dict[int, ScanResult]
) -> dict[str, ScanEvent]:
    wanted = {item.code for item in items}
    lots = {
        lot.code: lot
        for lot in lot_scope(Lot.objects.filter(code__in=wanted), viewer=actor)
        .only("id", "code", "kind", "batch_id", "stage", "round", "round_started_at")
        .select_for_update(of=("self",))
        .order_by("pk")
    }
    now = timezone.now()
    events: list[ScanEvent] = []
    changed: dict[int, Lot] = {}
    arrived_batches: set[int] = set()
    # Apply in device-time order per lot, whatever order the phone sent them in.
    for item in sorted(items, key=lambda i: (i.code, i.device_time, i.index)):
        lot = lots.get(item.code)
        if lot is None:
            results[item.index] = _rejected(item, LotNotFound(detail={"code": item.code}))
            continue
        if lot.kind == Lot.Kind.MATERIAL and item.action not in MATERIAL_ACTIONS:
            results[item.index] = _rejected(
                item, ScanActionNotForKind(detail={"kind": lot.kind, "action": item.action})
            )
            continue
        before = lot.stage
        applied, flag = _fit(lot=lot, action=item.action, device_time=item.device_time)
        if applied:
            lot.stage = item.action
            lot.stage_changed_at = now
            changed[lot.pk] = lot
            if lot.kind == Lot.Kind.MATERIAL and item.action == Action.RECEIVED:
                arrived_batches.add(lot.batch_id)
        event = ScanEvent(
            key=item.key,
            body_hash=item.body_hash,
            lot=lot,
            action=item.action,
            device_time=item.device_time,
            recorded_at=now,
            actor=actor,
            applied=applied,
            flag=flag,
            stage_before=before,
            stage_after=lot.stage,
            note=item.note,
        )
        events.append(event)
        results[item.index] = ScanResult(
            index=item.index, key=item.key, status="created", event=event
        )
    if events:
        ScanEvent.objects.bulk_create(events)
    by_stage: dict[str, list[int]] = {}
    for lot in changed.values():
        by_stage.setdefault(lot.stage, []).append(lot.pk)
    for stage, lot_ids in by_stage.items():  # at most one UPDATE per stage, not per lot
        Lot.objects.filter(pk__in=lot_ids).update(stage=stage, stage_changed_at=now)
    if arrived_batches:
        from .services import batch_start_production

        for batch_id in sorted(arrived_batches):
            batch_start_production(batch_id=batch_id, actor=actor)
    return {event.key: event for event in events}


def _fit(*, lot: Lot, action: str, device_time: datetime) -> tuple[bool, str]:
    """Does a scan taken at ``device_time`` move the lot forward? (applied, flag)"""
    if lot.round > 1 and device_time < lot.round_started_at:
        return False, ScanEvent.Flag.EARLIER_ROUND
    current, wanted = STAGE_RANK[lot.stage], STAGE_RANK[action]
    if wanted > current:
        return True, ScanEvent.Flag.SKIPPED_STAGE if wanted > current + 1 else ""
    if wanted == current:
        return False, ""  # the lot is already there (e.g. the packing scan of a new lot)
    return False, ScanEvent.Flag.ALREADY_PAST


def scan_record(
    *, actor: User, key: str, code: str, action: str, device_time: datetime, note: str = ""
) -> ScanResult:
    """One scan; raises the scan's error (4xx) instead of returning it."""
    item = ScanItem(index=0, key=key, code=code, action=action, device_time=device_time, note=note)
    [result] = scan_ingest(actor=actor, items=[item])
    if result.status == "rejected":
        raise ApplicationError(
            result.error["message"],
            code=result.error["code"],
            detail=result.error["detail"],
            status=result.status_code,
        )
    return result
