# AllocationRun and AllocationProposal now belong to the allocation app. Only Django's model
# state changes here: the tables (orders_allocationrun, orders_allocationproposal) and their
# rows stay where they are, and allocation/migrations/0001_initial.py takes them over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0005_batch_claim_warned_at'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='AllocationProposal'),
                migrations.DeleteModel(name='AllocationRun'),
            ],
            database_operations=[],
        ),
    ]
