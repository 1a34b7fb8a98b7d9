"""Scan events by month: PostgreSQL's declarative partitioning of ``quality_scanevent``.

At national scale the scans are the largest table that keeps growing (~29 M a year at ×100);
one partition per month of ``recorded_at`` keeps each month's indexes small enough to stay in
memory and lets old months be detached whole. The rules:

- a month's partition exists before its scans arrive (``scan_partitions_ensure``, run by beat
  every day for the next ``MONTHS_AHEAD`` months; migration 0008 made the first ones);
- a scan whose month has no partition yet (a clock far off) lands in the DEFAULT partition and
  is found there by every read; making its month's partition moves it out;
- making a partition is one transaction under an advisory lock: killed at any point, it
  leaves nothing half made, and run again it does what is left.

SQLite (tests, development) keeps a plain table: everything here is then a no-op.
"""

from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

PARENT = "quality_scanevent"
DEFAULT = f"{PARENT}_default"
MONTHS_AHEAD = 3
_LOCK = 0x5CA9  # pg_advisory_xact_lock key: one partition maker at a time


def month_of(moment: datetime) -> datetime:
    """The first instant (UTC) of the month ``moment`` falls in."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    return f"{PARENT}_p{month:%Y%m}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [PARENT]
        )
        return cursor.fetchone() is not None


def scan_partitions_ensure(
    *, since: datetime | None = None, months_ahead: int = MONTHS_AHEAD
) -> list[str]:
    """Make the monthly partitions from ``since``'s month (default: this month) to
    ``months_ahead`` months after this one, and those of any rows in DEFAULT. Returns the names
    made (none the second time)."""
    if not is_partitioned():
        return []
    this_month = month_of(timezone.now())
    month = month_of(since) if since is not None else this_month
    months = set()
    while month <= add_months(this_month, months_ahead):
        months.add(month)
        month = add_months(month, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', recorded_at AT TIME ZONE 'UTC') FROM {DEFAULT}"  # noqa: S608
        )
        months |= {row[0].replace(tzinfo=UTC) for row in cursor.fetchall()}
    made = []
    for month in sorted(months):
        if _partition_make(month):
            made.append(partition_name(month))
    return made


def _partition_make(month: datetime) -> bool:
    """One month's partition, with the rows DEFAULT holds for it; False if it existed."""
    name, end = partition_name(month), add_months(month, 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            return False
        # PostgreSQL refuses a new partition while DEFAULT holds rows of its range: take them
        # out first and put them back through the parent (same ids, same recorded_at).
        cursor.execute(
            f"CREATE TEMP TABLE scan_moving ON COMMIT DROP AS "  # noqa: S608
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE recorded_at >= %s AND recorded_at < %s "
            f"RETURNING *) SELECT * FROM moved",
            [month, end],
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {PARENT} FOR VALUES FROM (%s) TO (%s)",
            [month, end],
        )
        cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM scan_moving")  # noqa: S608
        cursor.execute("DROP TABLE scan_moving")
    return True


def partition_scan_events(cursor, *, months_ahead: int = MONTHS_AHEAD) -> None:
    """Turn the plain ``quality_scanevent`` into one partitioned by month of ``recorded_at``:
    the same columns, rows, ids and sequence, indexes and foreign keys; primary key
    (id, recorded_at). For migration 0008 (inside its transaction)."""
    cursor.execute("LOCK TABLE quality_scanevent IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = %s AND indexname <> %s",
        [PARENT, f"{PARENT}_pkey"],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = 'f'",
        [PARENT],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(f"SELECT min(recorded_at), max(recorded_at) FROM {PARENT}")  # noqa: S608
    oldest, newest = cursor.fetchone()
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PARENT])
    (old_sequence,) = cursor.fetchone()
    cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")  # noqa: S608
    last_value, is_called = cursor.fetchone()

    cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {PARENT}_plain")
    cursor.execute(
        f"CREATE TABLE {PARENT} (LIKE {PARENT}_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        "PARTITION BY RANGE (recorded_at)"
    )
    # The identity's sequence goes with the old table: a sequence of the new table's own,
    # starting where the old one stopped (ids stay unique across all partitions).
    cursor.execute(f"CREATE SEQUENCE {PARENT}_id_seq_new AS bigint OWNED BY {PARENT}.id")
    cursor.execute(f"SELECT setval('{PARENT}_id_seq_new', %s, %s)", [last_value, is_called])
    cursor.execute(
        f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq_new')"
    )
    cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {PARENT} DEFAULT")
    since = oldest if oldest is not None else timezone.now()
    through = add_months(month_of(max(newest or since, timezone.now())), months_ahead)
    month = month_of(since)
    while month <= through:
        cursor.execute(
            f"CREATE TABLE {partition_name(month)} PARTITION OF {PARENT} "
            "FOR VALUES FROM (%s) TO (%s)",
            [month, add_months(month, 1)],
        )
        month = add_months(month, 1)
    cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {PARENT}_plain")  # noqa: S608
    cursor.execute(f"DROP TABLE {PARENT}_plain")
    cursor.execute(f"ALTER SEQUENCE {PARENT}_id_seq_new RENAME TO {PARENT}_id_seq")
    cursor.execute(
        f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id, recorded_at)"
    )
    for definition in indexes:  # on the parent: each partition gets its own
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {name} {definition}")


def unpartition_scan_events(cursor) -> None:
    """Migration 0008 backwards: the partitioned ``quality_scanevent`` made one plain table again
    (the same rows, ids and sequence, indexes and foreign keys; primary key ``id``)."""
    cursor.execute("LOCK TABLE quality_scanevent IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = %s AND indexname <> %s",
        [PARENT, f"{PARENT}_pkey"],
    )
    indexes = [row[0].replace(" ON ONLY ", " ON ") for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = 'f'",
        [PARENT],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PARENT])
    (old_sequence,) = cursor.fetchone()
    cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")  # noqa: S608
    last_value, is_called = cursor.fetchone()

    cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {PARENT}_parted")
    cursor.execute(
        f"CREATE TABLE {PARENT} (LIKE {PARENT}_parted INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    cursor.execute(f"CREATE SEQUENCE {PARENT}_id_seq_new AS bigint OWNED BY {PARENT}.id")
    cursor.execute(f"SELECT setval('{PARENT}_id_seq_new', %s, %s)", [last_value, is_called])
    cursor.execute(
        f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq_new')"
    )
    cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {PARENT}_parted")  # noqa: S608
    cursor.execute(f"DROP TABLE {PARENT}_parted")  # its partitions and its sequence with it
    cursor.execute(f"ALTER SEQUENCE {PARENT}_id_seq_new RENAME TO {PARENT}_id_seq")
    cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id)")
    for definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {name} {definition}")


def scan_key_like_index_drop(cursor) -> None:
    """ScanKey's key is looked up by equality only: Django's second index on it (the LIKE one,
    varchar_pattern_ops) would double the bytes of every key for nothing. Migration 0009."""
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'quality_scankey' AND indexname LIKE '%%_like'"
    )
    for (index,) in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{index}"')
