"""A locked period's premiums and advance recoveries are locked in the database too.

The same guards as migration 0005 gives pools, claims and adjustments: once the period is
approved (or paid), its ``payoutpremium`` and ``advancerecovery`` rows refuse UPDATE and DELETE,
and nothing is inserted into it. PostgreSQL reuses 0005's ``payouts_guard_period_row()``;
SQLite gets row triggers built by 0005's helpers. Named ``guard_…`` (see 0005).
"""

import importlib

from django.db import migrations

guards = importlib.import_module("payouts.migrations.0005_money_guards")

TABLES = {
    "premium": "payouts_payoutpremium",
    "advance_recovery": "payouts_advancerecovery",
}

PG_FORWARD = [
    f"""
    CREATE TRIGGER guard_payouts_{name}_locked
        BEFORE INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION payouts_guard_period_row()
    """
    for name, table in TABLES.items()
]
PG_BACKWARD = [
    f"DROP TRIGGER IF EXISTS guard_payouts_{name}_locked ON {table}"
    for name, table in TABLES.items()
]

SQLITE_TRIGGERS = {
    f"guard_payouts_{name}_locked_{when.lower()}": (when, table, condition, guards.LOCKED_MESSAGE)
    for name, table in TABLES.items()
    for when, condition in (
        ("INSERT", guards._period_locked("NEW.period_id")),
        (
            "UPDATE",
            f"{guards._period_locked('OLD.period_id')} OR {guards._period_locked('NEW.period_id')}",
        ),
        ("DELETE", guards._period_locked("OLD.period_id")),
    )
}
SQLITE_FORWARD = [guards._sqlite_trigger(name, *spec) for name, spec in SQLITE_TRIGGERS.items()]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("payouts", "0012_advances_premiums")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
