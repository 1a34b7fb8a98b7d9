"""Scan events partitioned by month of ``recorded_at`` (PostgreSQL); keys in ``ScanKey``.

On every database: ``ScanKey`` is made and filled from the events, the events' ``key`` loses
its unique constraint (``ScanKey.key`` is the primary key instead), and the foreign keys to an
event (``ScanException.scan``, ``LotDelivery.scan``) lose their database constraint. Then, on
PostgreSQL only, ``quality_scanevent`` becomes ``PARTITION BY RANGE (recorded_at)``: primary key
(id, recorded_at), monthly partitions covering its rows and the next months, and a DEFAULT one
(``quality.partitions.partition_scan_events``). Django's state keeps ``id`` as the primary key:
ids come from one sequence, so they stay unique, and every write goes through our services.
SQLite keeps the plain table the model describes.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_scan_keys(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO quality_scankey (key, body_hash, event_id, recorded_at) "
            "SELECT key, body_hash, id, recorded_at FROM quality_scanevent"
        )


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from quality.partitions import partition_scan_events

    with schema_editor.connection.cursor() as cursor:
        partition_scan_events(cursor)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from quality.partitions import unpartition_scan_events

    with schema_editor.connection.cursor() as cursor:
        unpartition_scan_events(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0007_scan_path_fewer_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScanKey",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("body_hash", models.CharField(max_length=64)),
                ("event_id", models.BigIntegerField()),
                ("recorded_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "扫描客户端键",
                "verbose_name_plural": "扫描客户端键",
            },
        ),
        migrations.AlterField(
            model_name="scanevent",
            name="key",
            field=models.CharField(max_length=64, verbose_name="客户端键"),
        ),
        migrations.AlterField(
            model_name="lotdelivery",
            name="scan",
            field=models.OneToOneField(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="quality.scanevent",
                verbose_name="交付扫描",
            ),
        ),
        migrations.AlterField(
            model_name="scanexception",
            name="scan",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="exception",
                to="quality.scanevent",
                verbose_name="扫描记录",
            ),
        ),
        migrations.RunPython(fill_scan_keys, migrations.RunPython.noop),
        migrations.RunPython(partition, unpartition),
    ]
