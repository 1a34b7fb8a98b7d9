"""Applying an allocation while leads claim the same batches: no batch is ever held twice."""

import threading

import pytest
from django.db import connection

from allocation.models import AllocationProposal
from allocation.services import allocation_run_apply, allocation_run_start
from core.errors import ApplicationError
from orders.models import Batch, BatchEvent
from tests.factories import make_household, make_service_center, make_user, make_workshop
from tests.orders.factories import make_published_order


@pytest.mark.django_db(transaction=True)
def test_apply_racing_lead_claims_assigns_each_batch_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    from accounts.models import User

    center = make_service_center()
    chosen = make_workshop(service_center=center, daily_capacity=2000)
    for _ in range(5):
        make_household(chosen)
    other = make_workshop(service_center=center, daily_capacity=2000)
    for _ in range(5):
        make_household(other)
    rival = make_workshop(service_center=center, daily_capacity=2000)
    operator = make_user(User.Role.OPERATOR)
    order = make_published_order(quantity=3000, batch_size=300, days=30)
    run = allocation_run_start(actor=operator)
    proposed = list(
        run.proposals.filter(status=AllocationProposal.Status.PROPOSED).values_list(
            "batch_id", "workshop_id"
        )
    )
    assert len(proposed) == 10
    barrier = threading.Barrier(11)
    outcomes: list[str] = []

    def lead_claims(batch_id: int) -> None:
        from orders.services import batch_claim

        try:
            barrier.wait()
            batch_claim(actor=rival.lead, batch_id=batch_id)
            outcomes.append("lead")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    def operator_applies() -> None:
        try:
            barrier.wait()
            allocation_run_apply(run_id=run.pk, actor=operator)
        finally:
            connection.close()

    threads = [threading.Thread(target=lead_claims, args=(b,)) for b, _ in proposed]
    threads.append(threading.Thread(target=operator_applies))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    run.refresh_from_db()
    batches = {b.pk: b for b in order.batches.all()}
    assert all(b.status == Batch.Status.CLAIMED for b in batches.values())
    proposals = {p.batch_id: p for p in run.proposals.all()}
    lead_won = 0
    for batch_id, batch in batches.items():
        events = list(BatchEvent.objects.filter(batch_id=batch_id, to_status="claimed"))
        assert len(events) == 1
        by_operator = events[0].actor_id == operator.pk
        lead_won += not by_operator
        # Applied where the operator's claim won (to the proposed workshop); skipped otherwise.
        if by_operator:
            assert proposals[batch_id].status == AllocationProposal.Status.APPLIED
            assert batch.workshop_id == proposals[batch_id].workshop_id
        else:
            assert proposals[batch_id].status == AllocationProposal.Status.SKIPPED
            assert batch.workshop_id == rival.pk
    assert outcomes.count("lead") == lead_won
    assert run.applied + run.skipped == 10
    assert run.applied == 10 - lead_won
