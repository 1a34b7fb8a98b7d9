"""Custody scans: each hand-over recorded exactly once, whenever and however often it arrives.

A phone makes a key (a UUID) for each scan when it is taken and sends it until it hears back,
maybe days later, in any order, maybe three times. The server:

- records a new key once (the primary key of ``ScanKey`` decides between racing requests: the
  events themselves are partitioned by month on PostgreSQL, see ``quality/partitions.py``);
- answers a repeated key with the same body by the first answer, recording nothing;
- answers a repeated key with a different body by 409 ``scan_key_reused``;
- applies scans of one lot in device-time order; a scan that no longer fits (the lot already
  moved past it, or it belongs to a round before a rework) is kept, not applied, and flagged;
- judges each item of a queue on its own: whatever one item is (not an object, fields missing
  or of the wrong type, text the database cannot store), it is refused in its own result
  (``rejected``, 422 ``validation_error`` with the fields at fault) and the others are recorded;
  the answer is 200 as for any queue with refusals. A refusal is final: the same item sent
  again is refused again, so the phone shows it to the person and stops sending it.

``scan_ingest`` is set-based (a handful of queries for up to 1,000 scans), so the single scan
and the bulk queue share one path.
"""

import hashlib
import json
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import ApplicationError

from . import codes
from .errors import (
    BulkTooLarge,
    LotCodeCheckFailed,
    LotCodeInvalid,
    LotNotFound,
    ScanActionNotForKind,
    ScanItemInvalid,
    ScanKeyReused,
)
from .models import Lot, ScanEvent, ScanKey
from .selectors import lot_scope
from .webhooks import emit_lots_shipped

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


def _unstorable(item: ScanItem) -> ScanItemInvalid | None:
    """What the item schema lets through but no database row can hold, field by field.

    PostgreSQL refuses NUL in text, and a time at the edge of the calendar cannot be put in
    UTC: either would fail the whole queue's statement, so the one item is refused instead.
    """
    errors = [
        {"loc": [name], "msg": str(_("不能含有空字符（NUL）。")), "type": "string_nul"}
        for name in ("key", "note")
        if "\x00" in getattr(item, name)
    ]
    try:
        item.device_time.astimezone(UTC)
    except OverflowError:
        errors.append(
            {"loc": ["device_time"], "msg": str(_("时间超出范围。")), "type": "datetime_range"}
        )
    return ScanItemInvalid(detail={"errors": errors}) if errors else None


def scan_ingest(*, actor: User, items: list[ScanItem]) -> list[ScanResult]:
    """Record a list of scans; each gets its own result, in the order given."""
    ensure_role(actor, Role.LEAD, Role.CHECKER, Role.OPERATOR)
    if len(items) > BULK_LIMIT:
        raise BulkTooLarge(detail={"limit": BULK_LIMIT, "received": len(items)})
    for _attempt in range(3):
        try:
            return _emit_shipped(_ingest_once(actor=actor, items=items))
        except IntegrityError:
            # Another request recorded one of these keys for another lot (a key reused) between
            # our read and our insert: start again; this time the key is found and answered.
            continue
    return _emit_shipped(_ingest_once(actor=actor, items=items))


def _emit_shipped(results: list[ScanResult]) -> list[ScanResult]:
    """lot.shipped for each lot a new scan of this request moved to shipped (not a replay)."""
    shipped = {
        result.event.lot_id: result.event.recorded_at
        for result in results
        if result.status == "created"
        and result.event is not None
        and result.event.applied
        and result.event.stage_after == Action.SHIPPED
    }
    emit_lots_shipped(shipped=shipped)
    return results


def _ingest_once(*, actor: User, items: list[ScanItem]) -> list[ScanResult]:
    results: dict[int, ScanResult] = {}
    parsed: list[ScanItem] = []
    for item in items:
        if timezone.is_naive(item.device_time):
            # A phone that sent no offset: read its time as the platform's (Asia/Shanghai).
            item.device_time = timezone.make_aware(item.device_time)
        unstorable = _unstorable(item)
        if unstorable is not None:
            results[item.index] = _rejected(item, unstorable)
            continue
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

    # Only key → hash first (cheap): a resend of scans already recorded locks nothing.
    known = _known_hashes({i.key for i in parsed})
    new_codes = {i.code for i in parsed if i.key not in known}
    fresh: dict[str, ScanItem] = {}  # first occurrence of each new key in this request
    repeats: list[ScanItem] = []
    created: dict[str, ScanEvent] = {}
    with transaction.atomic() if new_codes else nullcontext():
        lots = _lock_lots(actor=actor, codes=new_codes) if new_codes else {}
        if new_codes:
            # Every key is recorded under its lot's lock (here and in _SINGLE_SQL), so read
            # again now that the lots are ours: a key another request recorded meanwhile is
            # a replay, not a unique violation (the scan storm hit that retry after retry).
            known |= _known_hashes({i.key for i in parsed if i.key not in known})
        # Whole rows only for the keys that are replays.
        replayed_keys = [i.key for i in parsed if known.get(i.key) == i.body_hash]
        existing = _events_by_key(replayed_keys) if replayed_keys else {}
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
        if fresh:
            created = _record(actor=actor, lots=lots, items=list(fresh.values()), results=results)
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


def _among(model: type, column: str, values: Iterable[Any]) -> Q | RawSQL:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``: one parameter, not 1,000."""
    if connection.vendor != "postgresql":
        return Q(**{f"{column}__in": values})
    table = model._meta.db_table
    return RawSQL(f'"{table}"."{column}" = ANY(%s)', (list(values),), BooleanField())  # noqa: S611


def _known_hashes(keys: set[str]) -> dict[str, str]:
    """key → body hash of the keys already recorded."""
    if not keys:
        return {}
    return dict(
        ScanKey.objects.filter(_among(ScanKey, "key", keys)).values_list("key", "body_hash")
    )


def _events_by_key(keys: list[str]) -> dict[str, ScanEvent]:
    """The recorded events of these keys, found by (id, recorded_at): on PostgreSQL the
    recorded times name the partitions to read, the others are never opened."""
    found = list(
        ScanKey.objects.filter(_among(ScanKey, "key", keys)).values_list("event_id", "recorded_at")
    )
    ids, times = {event_id for event_id, _at in found}, {at for _id, at in found}
    events = ScanEvent.objects.filter(pk__in=ids, recorded_at__in=times).select_related("lot")
    return {event.key: event for event in events}


def _lock_lots(*, actor: User, codes: set[str]) -> dict[str, Lot]:
    """The lots of these codes that the actor may scan, locked (in pk order) until commit."""
    return {
        lot.code: lot
        for lot in lot_scope(Lot.objects.filter(_among(Lot, "code", codes)), viewer=actor)
        .only("id", "code", "kind", "batch_id", "stage", "round", "round_started_at")
        .select_for_update(of=("self",))
        .order_by("pk")
    }


def _record(
    *, actor: User, lots: dict[str, Lot], items: list[ScanItem], results: dict[int, ScanResult]
) -> dict[str, ScanEvent]:
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
        Lot.objects.filter(_among(Lot, "id", lot_ids)).update(stage=stage, stage_changed_at=now)
    if arrived_batches:
        from .services import material_lots_received

        material_lots_received(events=events, actor=actor)
    return {event.key: event for event in events}


# --- PostgreSQL: one new scan in one statement ---------------------------------------------
#
# The common single scan (a new key, a lot the scanner may see, no side effect on the batch)
# is one statement, in one round trip: lock the lot, decide as ``_fit`` does (the same rules
# in SQL; tests/quality/test_scans.py checks the two agree on every case), claim the key in
# ``ScanKey`` with the event's id (ON CONFLICT: nothing if the key arrived meanwhile), insert
# the event only if the key was claimed, and move the lot only if the event applies. When it
# writes nothing (a known key, a lot not found or not in scope, a material lot's scan that is
# refused or may start production) the general path above answers: replay, 409, 404,
# production start.


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


_SINGLE_SQL = """
WITH lot AS (
    SELECT l."id", l."kind", l."stage", l."round", l."round_started_at"
    FROM "{lots}" l{join_where} l."code" = %(code)s
    FOR UPDATE OF l
), rank AS (
    SELECT lot.*,
        lot."round" > 1 AND %(device_time)s::timestamptz < lot."round_started_at" AS early,
        array_position(%(stages)s::text[], lot."stage") AS current,
        array_position(%(stages)s::text[], %(action)s::text) AS wanted
    FROM lot
    WHERE NOT EXISTS (SELECT 1 FROM "{keys}" k WHERE k."key" = %(key)s)
      AND (lot."kind" <> %(material)s OR %(action)s::text = ANY(%(material_quiet)s::text[]))
), fit AS (
    SELECT rank."id", rank."stage",
        NOT rank.early AND rank.wanted > rank.current AS applied,
        CASE WHEN rank.early THEN %(earlier_round)s
             WHEN rank.wanted > rank.current + 1 THEN %(skipped_stage)s
             WHEN rank.wanted >= rank.current THEN ''
             ELSE %(already_past)s END AS flag
    FROM rank
), keyed AS (
    INSERT INTO "{keys}" ("key", "body_hash", "event_id", "recorded_at")
    SELECT %(key)s, %(body_hash)s, nextval('{events}_id_seq'), %(now)s FROM fit
    ON CONFLICT ("key") DO NOTHING
    RETURNING "event_id"
), ins AS (
    INSERT INTO "{events}" ("id", "key", "body_hash", "lot_id", "action", "device_time",
        "recorded_at", "actor_id", "applied", "flag", "stage_before", "stage_after", "note")
    SELECT keyed."event_id", %(key)s, %(body_hash)s, fit."id", %(action)s, %(device_time)s,
        %(now)s, %(actor)s, fit.applied, fit.flag, fit."stage",
        CASE WHEN fit.applied THEN %(action)s ELSE fit."stage" END, %(note)s
    FROM fit, keyed
    RETURNING "id", "lot_id", "applied", "flag", "stage_before", "stage_after"
), moved AS (
    UPDATE "{lots}" SET "stage" = ins."stage_after", "stage_changed_at" = %(now)s
    FROM ins WHERE "{lots}"."id" = ins."lot_id" AND ins."applied"
    RETURNING "{lots}"."id"
)
SELECT ins."id", ins."lot_id", ins."applied", ins."flag", ins."stage_before",
    ins."stage_after", (SELECT count(*) FROM moved)
FROM ins
"""


def _record_single_fast(*, actor: User, item: ScanItem) -> ScanResult | None:
    """Record one new scan in one statement, or None to leave it to the general path."""
    scoped = _scope_sql(actor)
    if scoped is None:
        return None
    join_where, scope_params = scoped
    now = timezone.now()
    sql = _SINGLE_SQL.format(
        lots=Lot._meta.db_table,
        events=ScanEvent._meta.db_table,
        keys=ScanKey._meta.db_table,
        join_where=join_where.replace("%s", "%(scope)s") or " WHERE",
    )
    params = {
        "code": item.code,
        "key": item.key,
        "body_hash": item.body_hash,
        "action": item.action,
        "device_time": item.device_time,
        "note": item.note,
        "now": now,
        "actor": actor.pk,
        "stages": list(Lot.Stage.values),
        "material": Lot.Kind.MATERIAL.value,
        # Material lots' scans that neither are refused nor may start production.
        "material_quiet": sorted(MATERIAL_ACTIONS - {Action.RECEIVED}),
        "earlier_round": ScanEvent.Flag.EARLIER_ROUND.value,
        "skipped_stage": ScanEvent.Flag.SKIPPED_STAGE.value,
        "already_past": ScanEvent.Flag.ALREADY_PAST.value,
        "scope": scope_params[0] if scope_params else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    event_id, lot_id, applied, flag, before, after, _moved = row
    lot = Lot(id=lot_id, code=item.code, stage=after)
    event = ScanEvent(
        id=event_id, key=item.key, body_hash=item.body_hash, lot=lot, action=item.action,
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
    """Insert new events and their keys, giving each event its id; a key recorded meanwhile
    raises IntegrityError (the caller retries).

    PostgreSQL: one statement, INSERT … SELECT FROM unnest(column arrays), twelve parameters
    whatever the count, instead of the ORM's twelve per row; the keys go into ``ScanKey`` in
    the same statement. Elsewhere: ``bulk_create`` twice, in the caller's transaction.
    """
    if connection.vendor != "postgresql":
        ScanEvent.objects.bulk_create(events)
        ScanKey.objects.bulk_create(
            ScanKey(key=e.key, body_hash=e.body_hash, event_id=e.pk, recorded_at=e.recorded_at)
            for e in events
        )
        return
    import psycopg

    table, keys = ScanEvent._meta.db_table, ScanKey._meta.db_table
    names = ", ".join(f'"{name}"' for name, _type in _EVENT_COLUMNS)
    arrays = ", ".join(f"%s::{sqltype}[]" for _name, sqltype in _EVENT_COLUMNS)
    columns = [[getattr(e, name) for e in events] for name, _type in _EVENT_COLUMNS]
    sql = (
        f"WITH fresh AS (SELECT nextval('{table}_id_seq') AS id, * FROM unnest({arrays}) "  # noqa: S608
        f"AS u ({names})), "
        f'keyed AS (INSERT INTO "{keys}" ("key", "body_hash", "event_id", "recorded_at") '
        f'SELECT "key", "body_hash", id, "recorded_at" FROM fresh) '
        f'INSERT INTO "{table}" ("id", {names}) SELECT * FROM fresh RETURNING "id", "key"'
    )
    connection.ensure_connection()
    # psycopg's own cursor binds the arrays server-side in binary (its C dumpers), where
    # Django's client-side binding would quote 12,000 values into the SQL text.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, columns, binary=True)
        ids = dict((key, event_id) for event_id, key in cursor.fetchall())
    for event in events:
        event.id = ids[event.key]


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
