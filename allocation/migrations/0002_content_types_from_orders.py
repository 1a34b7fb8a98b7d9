# The content types (and so the admin permissions granted on them, and admin log entries) of
# the two models move from app label "orders" to "allocation" with them, instead of new ones
# being created beside stale ones. A fresh database has none yet at this point: Django
# creates them, under "allocation", after migrating.

from django.db import migrations

MODELS = ['allocationrun', 'allocationproposal']


def relabel(apps, from_label, to_label):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    for model in MODELS:
        # If both exist (Django already made the new one), leave them: the unique
        # (app_label, model) pair forbids merging here.
        if not ContentType.objects.filter(app_label=to_label, model=model).exists():
            ContentType.objects.filter(app_label=from_label, model=model).update(app_label=to_label)


def forwards(apps, schema_editor):
    relabel(apps, 'orders', 'allocation')


def backwards(apps, schema_editor):
    relabel(apps, 'allocation', 'orders')


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
