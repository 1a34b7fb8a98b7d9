"""``flush`` that works with the guard triggers on SQLite.

Money and quality records are guarded by triggers named ``guard_…`` (see docs/architecture.md,
"Guards in the database"): they refuse UPDATE and DELETE of what must never be rewritten.
PostgreSQL's flush empties tables with TRUNCATE, which row triggers do not see. SQLite's flush
is a plain ``DELETE FROM`` per table, which they refuse; so on SQLite the guard triggers are
set aside for the flush and put back, exactly as they were, in the same transaction. The test
runner (transactional tests) and ``seed_demo --reset`` flush through this command.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

GUARD_TRIGGERS_SQL = r"""
SELECT name, sql FROM sqlite_master
WHERE type = 'trigger' AND name LIKE 'guard\_%' ESCAPE '\'
ORDER BY name
"""


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(GUARD_TRIGGERS_SQL)
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
            super().handle(**options)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
        return None
