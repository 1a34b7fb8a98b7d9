"""Re-install the SQLite guard triggers after 0007.

On SQLite, AddField remakes ``payouts_payoutadjustment`` (a new table, the data copied, the old
one dropped), and the old table's triggers go with it: the adjustments of a locked period
would be writable again. Every guard of 0005 is dropped if present and created again, so the
migration is right whichever triggers survived. PostgreSQL adds the column in place and keeps
its triggers: nothing to do there.
"""

import importlib

from django.db import migrations

guards = importlib.import_module("payouts.migrations.0005_money_guards")


def reinstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, spec in guards.SQLITE_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
        schema_editor.execute(guards._sqlite_trigger(name, *spec), params=None)


class Migration(migrations.Migration):
    dependencies = [("payouts", "0007_adjustment_idempotency_key")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
