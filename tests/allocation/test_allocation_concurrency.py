"""Races on PostgreSQL with real threads: two applies of one run, and an apply against leads'
claims on the same batches. No batch is ever held twice, and the record agrees with the rows."""

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
        # The recorded winner is the holder.
        assert events[0].workshop_id == batch.workshop_id
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


def run_together(*calls):
    """Start every call at once in its own thread; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the refusal is the point
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("appliers", [2, 4])
def test_applies_of_one_run_at_once_apply_it_exactly_once(appliers):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    from accounts.models import User
    from allocation.models import AllocationRun

    center = make_service_center()
    for _ in range(3):
        workshop = make_workshop(service_center=center, daily_capacity=2000)
        for _ in range(5):
            make_household(workshop)
    operators = [make_user(User.Role.OPERATOR) for _ in range(appliers)]
    order = make_published_order(quantity=3000, batch_size=300, days=30)
    run = allocation_run_start(actor=operators[0])
    assert run.assigned == 10

    results = run_together(
        *(lambda op=op: allocation_run_apply(run_id=run.pk, actor=op) for op in operators)
    )

    applied = [r for r in results if isinstance(r, AllocationRun)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(applied) == 1 and len(refused) == appliers - 1, results
    # 409 each: a loser finds the run still being applied, or (its turn came late) applied
    assert {r.code for r in refused} <= {"allocation_run_applying", "allocation_run_not_proposed"}
    assert {r.status for r in refused} == {409}
    run.refresh_from_db()
    assert (run.status, run.applied, run.skipped) == ("applied", 10, 0)
    assert set(run.proposals.values_list("status", flat=True)) == {"applied"}
    for batch in order.batches.all():
        events = list(BatchEvent.objects.filter(batch=batch, to_status="claimed"))
        assert len(events) == 1
        assert (events[0].workshop_id, events[0].reason) == (
            batch.workshop_id,
            f"allocation run #{run.pk}",
        )
