"""What quality decided is guarded by the database itself, on PostgreSQL and on SQLite.

Payouts pay the ``PieceOutcome`` rows of decided inspections, so:

- an inspection's verdict and sampling facts never change; its disposition is set once (from
  empty, on a rejected lot); once its pieces are decided (``decided_at`` set) nothing of it
  changes; no inspection is ever deleted;
- a piece outcome is never updated or deleted.

What ``quality.services`` writes stays allowed: ``decided_at`` set once, and the disposition
(with its note) of a rejected, undecided inspection. Triggers are named ``guard_…`` (SQLite's
``flush`` sets them aside, see core/management/commands/flush.py); a refusal is
``django.db.IntegrityError`` on both databases.
"""

from django.db import migrations

# Fixed when the inspection is written (the server decides the verdict there and then).
INSPECTION_FACTS = [
    "lot_id",
    "round",
    "checker_id",
    "severity",
    "level",
    "aql",
    "code_letter",
    "lot_size",
    "sample_size",
    "accept",
    "reject",
    "nonconforming",
    "critical",
    "verdict",
    "created_at",
]


def _inspection_update_refused(distinct: str) -> str:
    facts = " OR ".join(f"NEW.{column} {distinct} OLD.{column}" for column in INSPECTION_FACTS)
    return (
        f"OLD.decided_at IS NOT NULL OR {facts}"
        f" OR (OLD.disposition <> '' AND NEW.disposition {distinct} OLD.disposition)"
    )


INSPECTION_MESSAGE = "a decided inspection is never rewritten"
OUTCOME_MESSAGE = "piece outcomes are what payouts pay; they are never rewritten"

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION quality_guard_refuse() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% % refused: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER guard_quality_inspection_update BEFORE UPDATE ON quality_inspection
        FOR EACH ROW WHEN ({_inspection_update_refused("IS DISTINCT FROM")})
        EXECUTE FUNCTION quality_guard_refuse('{INSPECTION_MESSAGE}')
    """,
    f"""
    CREATE TRIGGER guard_quality_inspection_delete BEFORE DELETE ON quality_inspection
        FOR EACH ROW EXECUTE FUNCTION quality_guard_refuse('{INSPECTION_MESSAGE}')
    """,
    f"""
    CREATE TRIGGER guard_quality_outcome_append_only
        BEFORE UPDATE OR DELETE ON quality_pieceoutcome
        FOR EACH ROW EXECUTE FUNCTION quality_guard_refuse('{OUTCOME_MESSAGE}')
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS guard_quality_inspection_update ON quality_inspection",
    "DROP TRIGGER IF EXISTS guard_quality_inspection_delete ON quality_inspection",
    "DROP TRIGGER IF EXISTS guard_quality_outcome_append_only ON quality_pieceoutcome",
    "DROP FUNCTION IF EXISTS quality_guard_refuse()",
]


def _sqlite_trigger(name: str, when: str, table: str, condition: str, message: str) -> str:
    where = f"WHEN {condition}" if condition else ""
    return f"""
    CREATE TRIGGER {name} BEFORE {when} ON {table} {where}
    BEGIN
        SELECT RAISE(ABORT, '{when} {table} refused: {message}');
    END
    """


SQLITE_TRIGGERS = {
    "guard_quality_inspection_update": (
        "UPDATE",
        "quality_inspection",
        _inspection_update_refused("IS NOT"),
        INSPECTION_MESSAGE,
    ),
    "guard_quality_inspection_delete": ("DELETE", "quality_inspection", "", INSPECTION_MESSAGE),
    "guard_quality_outcome_update": ("UPDATE", "quality_pieceoutcome", "", OUTCOME_MESSAGE),
    "guard_quality_outcome_delete": ("DELETE", "quality_pieceoutcome", "", OUTCOME_MESSAGE),
}
SQLITE_FORWARD = [_sqlite_trigger(name, *spec) for name, spec in SQLITE_TRIGGERS.items()]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("quality", "0002_alter_inspection_aql")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
