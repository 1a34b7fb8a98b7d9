"""What a period pays is guarded by the database itself, on PostgreSQL and on SQLite.

- the ledger is append-only: UPDATE and DELETE refused (replaces migration 0002's triggers,
  which left DELETE open on SQLite);
- an approved or paid period is locked: its money, dates, scope and approval never change, its
  status only moves approved → paid (setting the payment fields), and it is never deleted;
- the pools, lines, claims and adjustments of a locked period refuse UPDATE and DELETE, and
  nothing is inserted into a locked period.

Triggers are named ``guard_…``: SQLite's ``flush`` (core/management/commands/flush.py) sets
them aside while it empties the tables. Refusals are SQLSTATE 23001 (restrict_violation) on
PostgreSQL and a constraint failure on SQLite: ``django.db.IntegrityError`` on both.

On PostgreSQL the lines' guards are statement-level with transition tables: a national compute
inserts hundreds of thousands of lines in one statement, and one join over them costs far less
than a trigger call per row. SQLite (development and tests) has row triggers only.
"""

from django.db import migrations

LOCKED = "('approved', 'paid')"

# Columns of payouts_payoutperiod that never change once the period is approved.
PERIOD_FROZEN = [
    "name",
    "scope",
    "region_id",
    "workshop_id",
    "scope_key",
    "starts_on",
    "ends_on",
    "pieces",
    "rework_pieces",
    "gross_fen",
    "households_fen",
    "lead_fen",
    "center_fen",
    "bonus_fen",
    "deduction_fen",
    "created_by_id",
    "created_at",
    "computing_since",
    "computed_at",
    "approved_by_id",
    "approved_at",
]
# ... and these change only in the approved → paid transition.
PERIOD_PAYMENT = ["status", "paid_by_id", "paid_at", "payment_reference"]

# Tables whose rows belong to one period through ``period_id``.
PERIOD_ROWS = {
    "pool": "payouts_payoutpool",
    "claim": "payouts_payoutclaim",
    "adjustment": "payouts_payoutadjustment",
}


def _changed(columns: list[str], distinct: str) -> str:
    return " OR ".join(f"NEW.{column} {distinct} OLD.{column}" for column in columns)


def _period_update_refused(distinct: str) -> str:
    return (
        f"OLD.status IN {LOCKED} AND ({_changed(PERIOD_FROZEN, distinct)}"
        f" OR (NOT (OLD.status = 'approved' AND NEW.status = 'paid')"
        f" AND ({_changed(PERIOD_PAYMENT, distinct)})))"
    )


# --- PostgreSQL ----------------------------------------------------------------------------

PG_FORWARD = [
    "DROP TRIGGER IF EXISTS payouts_ledger_no_update ON payouts_ledgerentry",
    "DROP FUNCTION IF EXISTS payouts_ledger_append_only()",
    """
    CREATE OR REPLACE FUNCTION payouts_guard_refuse() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% % refused: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER guard_payouts_ledger_append_only
        BEFORE UPDATE OR DELETE ON payouts_ledgerentry
        FOR EACH ROW EXECUTE FUNCTION payouts_guard_refuse('the ledger is append-only')
    """,
    f"""
    CREATE TRIGGER guard_payouts_period_locked_update
        BEFORE UPDATE ON payouts_payoutperiod
        FOR EACH ROW WHEN ({_period_update_refused("IS DISTINCT FROM")})
        EXECUTE FUNCTION payouts_guard_refuse('an approved period is locked')
    """,
    f"""
    CREATE TRIGGER guard_payouts_period_locked_delete
        BEFORE DELETE ON payouts_payoutperiod
        FOR EACH ROW WHEN (OLD.status IN {LOCKED})
        EXECUTE FUNCTION payouts_guard_refuse('an approved period is locked')
    """,
    # Rows with a period_id: pools, claims, adjustments (a few thousand per national period).
    f"""
    CREATE OR REPLACE FUNCTION payouts_guard_period_row() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF EXISTS (SELECT 1 FROM payouts_payoutperiod
                       WHERE id = OLD.period_id AND status IN {LOCKED}) THEN
                RAISE EXCEPTION '% % refused: its period is approved and locked',
                    TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF EXISTS (SELECT 1 FROM payouts_payoutperiod
                       WHERE id = NEW.period_id AND status IN {LOCKED}) THEN
                RAISE EXCEPTION '% % refused: its period is approved and locked',
                    TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END IF;
        RETURN OLD;
    END;
    $$ LANGUAGE plpgsql
    """,
    *(
        f"""
        CREATE TRIGGER guard_payouts_{name}_locked
            BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION payouts_guard_period_row()
        """
        for name, table in PERIOD_ROWS.items()
    ),
    # Lines: one check per statement, over the rows it inserted, changed or deleted.
    f"""
    CREATE OR REPLACE FUNCTION payouts_guard_line_rows() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF EXISTS (SELECT 1 FROM payouts_payoutperiod pe
                       JOIN payouts_payoutpool p ON p.period_id = pe.id
                       WHERE pe.status IN {LOCKED}
                         AND p.id IN (SELECT pool_id FROM old_rows)) THEN
                RAISE EXCEPTION '% payouts_payoutline refused: its period is approved and locked',
                    TG_OP USING ERRCODE = 'restrict_violation';
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF EXISTS (SELECT 1 FROM payouts_payoutperiod pe
                       JOIN payouts_payoutpool p ON p.period_id = pe.id
                       WHERE pe.status IN {LOCKED}
                         AND p.id IN (SELECT pool_id FROM new_rows)) THEN
                RAISE EXCEPTION '% payouts_payoutline refused: its period is approved and locked',
                    TG_OP USING ERRCODE = 'restrict_violation';
            END IF;
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER guard_payouts_line_locked_insert
        AFTER INSERT ON payouts_payoutline REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION payouts_guard_line_rows()
    """,
    """
    CREATE TRIGGER guard_payouts_line_locked_update
        AFTER UPDATE ON payouts_payoutline REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION payouts_guard_line_rows()
    """,
    """
    CREATE TRIGGER guard_payouts_line_locked_delete
        AFTER DELETE ON payouts_payoutline REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION payouts_guard_line_rows()
    """,
]

PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS guard_payouts_line_locked_insert ON payouts_payoutline",
    "DROP TRIGGER IF EXISTS guard_payouts_line_locked_update ON payouts_payoutline",
    "DROP TRIGGER IF EXISTS guard_payouts_line_locked_delete ON payouts_payoutline",
    "DROP FUNCTION IF EXISTS payouts_guard_line_rows()",
    *(
        f"DROP TRIGGER IF EXISTS guard_payouts_{name}_locked ON {table}"
        for name, table in PERIOD_ROWS.items()
    ),
    "DROP FUNCTION IF EXISTS payouts_guard_period_row()",
    "DROP TRIGGER IF EXISTS guard_payouts_period_locked_update ON payouts_payoutperiod",
    "DROP TRIGGER IF EXISTS guard_payouts_period_locked_delete ON payouts_payoutperiod",
    "DROP TRIGGER IF EXISTS guard_payouts_ledger_append_only ON payouts_ledgerentry",
    "DROP FUNCTION IF EXISTS payouts_guard_refuse()",
    # Back to migration 0002's ledger trigger.
    """
    CREATE OR REPLACE FUNCTION payouts_ledger_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'payouts_ledgerentry is append-only (% refused)', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER payouts_ledger_no_update BEFORE UPDATE OR DELETE ON payouts_ledgerentry
        FOR EACH ROW EXECUTE FUNCTION payouts_ledger_append_only()
    """,
]


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_trigger(name: str, when: str, table: str, condition: str, message: str) -> str:
    where = f"WHEN {condition}" if condition else ""
    return f"""
    CREATE TRIGGER {name} BEFORE {when} ON {table} {where}
    BEGIN
        SELECT RAISE(ABORT, '{when} {table} refused: {message}');
    END
    """


def _period_locked(column: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM payouts_payoutperiod WHERE id = {column} AND status IN {LOCKED})"
    )


def _line_locked(row: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM payouts_payoutpool p"
        " JOIN payouts_payoutperiod pe ON pe.id = p.period_id"
        f" WHERE p.id = {row}.pool_id AND pe.status IN {LOCKED})"
    )


LOCKED_MESSAGE = "its period is approved and locked"

SQLITE_TRIGGERS = {
    "guard_payouts_ledger_update": (
        "UPDATE",
        "payouts_ledgerentry",
        "",
        "the ledger is append-only",
    ),
    "guard_payouts_ledger_delete": (
        "DELETE",
        "payouts_ledgerentry",
        "",
        "the ledger is append-only",
    ),
    "guard_payouts_period_locked_update": (
        "UPDATE",
        "payouts_payoutperiod",
        _period_update_refused("IS NOT"),
        "an approved period is locked",
    ),
    "guard_payouts_period_locked_delete": (
        "DELETE",
        "payouts_payoutperiod",
        f"OLD.status IN {LOCKED}",
        "an approved period is locked",
    ),
    **{
        f"guard_payouts_{name}_locked_{when.lower()}": (when, table, condition, LOCKED_MESSAGE)
        for name, table in PERIOD_ROWS.items()
        for when, condition in (
            ("INSERT", _period_locked("NEW.period_id")),
            (
                "UPDATE",
                f"{_period_locked('OLD.period_id')} OR {_period_locked('NEW.period_id')}",
            ),
            ("DELETE", _period_locked("OLD.period_id")),
        )
    },
    "guard_payouts_line_locked_insert": (
        "INSERT",
        "payouts_payoutline",
        _line_locked("NEW"),
        LOCKED_MESSAGE,
    ),
    "guard_payouts_line_locked_update": (
        "UPDATE",
        "payouts_payoutline",
        f"{_line_locked('OLD')} OR {_line_locked('NEW')}",
        LOCKED_MESSAGE,
    ),
    "guard_payouts_line_locked_delete": (
        "DELETE",
        "payouts_payoutline",
        _line_locked("OLD"),
        LOCKED_MESSAGE,
    ),
}

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS payouts_ledger_no_update",
    *(_sqlite_trigger(name, *spec) for name, spec in SQLITE_TRIGGERS.items()),
]
SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    # Back to migration 0002's ledger trigger.
    """
    CREATE TRIGGER payouts_ledger_no_update BEFORE UPDATE ON payouts_ledgerentry
    BEGIN
        SELECT RAISE(ABORT, 'payouts_ledgerentry is append-only (UPDATE refused)');
    END
    """,
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("payouts", "0004_approving_in_background")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
