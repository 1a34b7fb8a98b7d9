"""ScanKey keeps one index, its primary key (PostgreSQL): Django's LIKE index on the key
(varchar_pattern_ops) is made at the end of 0008, so it is dropped here."""

from django.db import migrations


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from quality.partitions import scan_key_like_index_drop

    with schema_editor.connection.cursor() as cursor:
        scan_key_like_index_drop(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0008_scan_events_partitioned"),
    ]

    operations = [migrations.RunPython(drop_like_index, migrations.RunPython.noop)]
