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

from django.db import IntegrityError, connection, transaction
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

    if len(items) == 1 and len(parsed) == 1 and connection.vendor == "postgresql":
        fast = _record_single_fast(actor=actor, item=parsed[0])
        if fast is not None:
            return [fast]

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
            actor_id=actor.pk,
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
        _insert_events(events)
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


# --- PostgreSQL: one new scan in two statements ----------------------------------------------
#
# The common single scan (a new key, a lot the scanner may see, no side effect on the batch) is
# read without a lock, decided by ``_fit`` in Python, then written by one compare-and-set
# statement: it locks the lot only if it is still in the state that was read, inserts the event
# (ON CONFLICT on the key: nothing if the key arrived meanwhile) and moves the lot only if the
# event was inserted. If anything changed in between, it writes nothing and the general path
# above answers (replay, 409, not found, a material lot's arrival, a lot that moved on).


def _scope_sql(actor: User) -> tuple[str, list[Any]] | None:
    """The join and condition of ``selectors.lot_scope`` for the roles that may scan."""
    from accounts.models import Organisation
    from accounts.permissions import is_operator
    from workshops.models import Workshop

    if is_operator(actor):
        return "", []
    if actor.organisation_id is None:
        return None
    workshops, orgs = Workshop._meta.db_table, Organisation._meta.db_table
    join = f' JOIN "{workshops}" w ON w."id" = l."workshop_id"'
    if actor.role == Role.LEAD:
        return join + ' WHERE w."organisation_id" = %s AND', [actor.organisation_id]
    if actor.role == Role.CHECKER:
        join += f' JOIN "{orgs}" o ON o."id" = w."organisation_id"'
        return join + ' WHERE o."service_center_id" = %s AND', [actor.organisation_id]
    return None


def _record_single_fast(*, actor: User, item: ScanItem) -> ScanResult | None:
    """Record one new scan in two statements, or None to leave it to the general path."""
    scoped = _scope_sql(actor)
    if scoped is None:
        return None
    join_where, params = scoped
    lots, events = Lot._meta.db_table, ScanEvent._meta.db_table
    # Table names come from the models, every value is a bound parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT l."id", l."kind", l."stage", l."round", l."round_started_at", '  # noqa: S608
            f'l."batch_id",'
            f' EXISTS (SELECT 1 FROM "{events}" e WHERE e."key" = %s)'
            f' FROM "{lots}" l{join_where or " WHERE"} l."code" = %s',
            [item.key, *params, item.code],
        )
        row = cursor.fetchone()
        if row is None or row[6]:
            return None  # not found (or not in scope), or a known key: the general path
        lot = Lot(
            id=row[0], code=item.code, kind=row[1], stage=row[2], round=row[3],
            round_started_at=row[4], batch_id=row[5],
        )  # fmt: skip
        if lot.kind == Lot.Kind.MATERIAL and (
            item.action not in MATERIAL_ACTIONS or item.action == Action.RECEIVED
        ):
            return None  # refused, or an arrival that may start production: the general path
        before = lot.stage
        applied, flag = _fit(lot=lot, action=item.action, device_time=item.device_time)
        after = item.action if applied else before
        now = timezone.now()
        cursor.execute(
            f'WITH lot AS (SELECT "id" FROM "{lots}" WHERE "id" = %s '  # noqa: S608
            f'AND "stage" = %s'
            f' AND "round" = %s AND "round_started_at" = %s FOR UPDATE),'
            f' ins AS (INSERT INTO "{events}" ("key", "body_hash", "lot_id", "action",'
            f' "device_time", "recorded_at", "actor_id", "applied", "flag", "stage_before",'
            f' "stage_after", "note") SELECT %s, %s, lot."id", %s, %s, %s, %s, %s, %s, %s, %s, %s'
            f' FROM lot ON CONFLICT ("key") DO NOTHING RETURNING "id", "lot_id"),'
            f' moved AS (UPDATE "{lots}" SET "stage" = %s, "stage_changed_at" = %s FROM ins'
            f' WHERE "{lots}"."id" = ins."lot_id" AND %s RETURNING "{lots}"."id")'
            f' SELECT ins."id", (SELECT count(*) FROM moved) FROM ins',
            [
                lot.pk, before, lot.round, lot.round_started_at,
                item.key, item.body_hash, item.action, item.device_time, now, actor.pk,
                applied, flag, before, after, item.note,
                after, now, applied,
            ],
        )  # fmt: skip
        written = cursor.fetchone()
    if written is None:
        return None  # the lot moved or the key arrived meanwhile: the general path decides
    lot.stage = after
    event = ScanEvent(
        id=written[0], key=item.key, body_hash=item.body_hash, lot=lot, action=item.action,
        device_time=item.device_time, recorded_at=now, actor_id=actor.pk, applied=applied,
        flag=flag, stage_before=before, stage_after=after, note=item.note,
    )  # fmt: skip
    return ScanResult(index=item.index, key=item.key, status="created", event=event)


_EVENT_COLUMNS = [
    ("key", "text"), ("body_hash", "text"), ("lot_id", "bigint"), ("action", "text"),
    ("device_time", "timestamptz"), ("recorded_at", "timestamptz"), ("actor_id", "bigint"),
    ("applied", "boolean"), ("flag", "text"), ("stage_before", "text"), ("stage_after", "text"),
    ("note", "text"),
]  # fmt: skip


def _insert_events(events: list[ScanEvent]) -> None:
    """Insert new events; a key recorded meanwhile raises IntegrityError (the caller retries).

    PostgreSQL: one INSERT … SELECT FROM unnest(column arrays), twelve parameters whatever the
    count, instead of the ORM's twelve per row. Elsewhere: ``bulk_create``.
    """
    if connection.vendor != "postgresql":
        ScanEvent.objects.bulk_create(events)
        return
    import psycopg

    names = ", ".join(f'"{name}"' for name, _type in _EVENT_COLUMNS)
    arrays = ", ".join(f"%s::{sqltype}[]" for _name, sqltype in _EVENT_COLUMNS)
    columns = [[getattr(e, name) for e in events] for name, _type in _EVENT_COLUMNS]
    sql = f'INSERT INTO "{ScanEvent._meta.db_table}" ({names}) SELECT * FROM unnest({arrays})'  # noqa: S608
    connection.ensure_connection()
    # psycopg's own cursor binds the arrays server-side in binary (its C dumpers), where
    # Django's client-side binding would quote 12,000 values into the SQL text.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, columns, binary=True)


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
