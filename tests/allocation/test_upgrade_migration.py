"""A database made while allocation lived in orders keeps its runs, proposals and permissions.

The models moved by state only (orders 0006, allocation 0001) and their content types were
relabelled (allocation 0002): migrating an old database forward must not lose a row.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from allocation.models import AllocationProposal, AllocationRun
from tests.factories import make_user, make_workshop
from tests.orders.factories import make_published_order

# The last state before allocation became an app.
BEFORE = [("orders", "0005_batch_claim_warned_at"), ("allocation", None)]


def migrate(targets=None):
    """Migrate to ``targets`` (default: the latest); the historical apps of that state."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    state = executor.migrate(targets)
    ContentType.objects.clear_cache()
    return state.apps


@pytest.mark.django_db(transaction=True)
def test_runs_proposals_and_permissions_made_in_orders_survive_the_move():
    operator = make_user(User.Role.OPERATOR)
    workshop = make_workshop()
    batch = make_published_order(quantity=100, batch_size=100).batches.get()
    try:
        old = migrate(BEFORE)
        # An old database: the models are orders', and so are their content types.
        run = old.get_model("orders", "AllocationRun").objects.create(
            created_by_id=operator.pk,
            status="proposed",
            batches_considered=1,
            assigned=1,
            total_cost=Decimal("12.50"),
            stats={"lp_rounds": 2},
        )
        old.get_model("orders", "AllocationProposal").objects.create(
            run_id=run.pk,
            batch_id=batch.pk,
            workshop_id=workshop.pk,
            score=Decimal("12.50"),
            reasons=[{"code": "distance", "km": 12.0}],
        )
        ContentType.objects.filter(app_label="allocation").delete()  # none in an old database
        content_type, _ = ContentType.objects.get_or_create(
            app_label="orders", model="allocationrun"
        )
        view_runs, _ = Permission.objects.get_or_create(
            codename="view_allocationrun",
            content_type=content_type,
            defaults={"name": "Can view 智能匹配"},
        )
        operators = Group.objects.create(name="operators")
        operators.permissions.add(view_runs)

        migrate()
    finally:
        migrate()  # whatever happened, leave the database as the other tests expect it

    moved = AllocationRun.objects.get(pk=run.pk)
    assert (moved.status, moved.created_by, moved.total_cost, moved.stats) == (
        AllocationRun.Status.PROPOSED,
        operator,
        Decimal("12.50"),
        {"lp_rounds": 2},
    )
    proposal = moved.proposals.get()
    assert (proposal.batch, proposal.workshop, proposal.reasons) == (
        batch,
        workshop,
        [{"code": "distance", "km": 12.0}],
    )
    assert AllocationProposal.objects.count() == 1
    # The same content type and permission rows, now under allocation's label.
    assert ContentType.objects.get_for_model(AllocationRun).pk == content_type.pk
    assert list(operators.permissions.all()) == [view_runs]
    assert operators.permissions.get().content_type.app_label == "allocation"
    assert not ContentType.objects.filter(app_label="orders", model="allocationrun").exists()
