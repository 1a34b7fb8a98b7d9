"""The ledger is append-only: the database itself refuses to change a written entry.

UPDATE is refused on every database. DELETE is refused on PostgreSQL only: SQLite's flush (used
by ``seed_demo --reset`` and the test runner) deletes rows, while PostgreSQL's uses TRUNCATE,
which row triggers do not see.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION payouts_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payouts_ledgerentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payouts_ledger_no_update BEFORE UPDATE OR DELETE ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS payouts_ledger_no_update ON payouts_ledgerentry;
DROP FUNCTION IF EXISTS payouts_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER payouts_ledger_no_update BEFORE UPDATE ON payouts_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'payouts_ledgerentry is append-only (UPDATE refused)');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS payouts_ledger_no_update;"


def forward(apps, schema_editor):
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    sql = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(
        schema_editor.connection.vendor
    )
    if sql:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
