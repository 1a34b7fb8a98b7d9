"""Pieces are conserved (DOMAIN.md): whatever a lead sends, in whatever order, the tickets of a
batch never issue more than the batch holds, and no ticket gets back more than it issued."""

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ApplicationError
from orders.models import Ticket, TicketReturn
from orders.services import ticket_issue, ticket_return_record
from tests.factories import make_household, make_workshop

from .factories import batch_in_production

pytestmark = pytest.mark.django_db

issue = st.tuples(st.just("issue"), st.integers(0, 2), st.integers(-5, 80))
hand_back = st.tuples(
    st.just("return"), st.integers(0, 5), st.integers(-3, 60), st.integers(-2, 10)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(st.one_of(issue, hand_back), min_size=1, max_size=25))
def test_any_sequence_of_tickets_and_returns_conserves_pieces(operations):
    workshop = make_workshop()
    batch = batch_in_production(workshop, quantity=150, batch_size=150)
    households = [make_household(workshop) for _ in range(3)]
    lead = workshop.lead
    # The model: what the database must hold afterwards.
    tickets: list[list[int]] = []  # [issued, returned, lost] per ticket, in creation order
    for operation in operations:
        if operation[0] == "issue":
            _, who, quantity = operation
            remaining = 150 - sum(t[0] for t in tickets)
            should_work = 1 <= quantity <= remaining
            try:
                ticket_issue(
                    actor=lead,
                    batch_id=batch.pk,
                    household_id=households[who].pk,
                    quantity=quantity,
                )
            except ApplicationError as exc:
                assert not should_work, exc.code
                assert exc.code in {"quantity_not_positive", "ticket_above_remaining"}
            else:
                assert should_work
                tickets.append([quantity, 0, 0])
        else:
            _, index, returned, lost = operation
            if not tickets:
                continue
            index %= len(tickets)
            issued, back, gone = tickets[index]
            should_work = (
                returned >= 0
                and lost >= 0
                and returned + lost > 0
                and back + gone + returned + lost <= issued
            )
            ticket_id = Ticket.objects.filter(batch=batch).order_by("pk")[index].pk
            try:
                ticket_return_record(
                    actor=lead,
                    ticket_id=ticket_id,
                    returned=returned,
                    lost=lost,
                    loss_reason="损耗" if lost else "",
                )
            except ApplicationError as exc:
                assert not should_work, exc.code
                assert exc.code in {"return_empty", "return_above_issued"}
            else:
                assert should_work
                tickets[index][1] += returned
                tickets[index][2] += lost

    rows = list(
        Ticket.objects.filter(batch=batch).order_by("pk").values_list("issued", "returned", "lost")
    )
    assert [list(row) for row in rows] == tickets
    assert sum(issued for issued, _, _ in rows) <= batch.quantity
    assert all(returned + lost <= issued for issued, returned, lost in rows)
    totals = TicketReturn.objects.filter(ticket__batch=batch).aggregate(
        returned=Sum("returned"), lost=Sum("lost")
    )
    assert (totals["returned"] or 0, totals["lost"] or 0) == (
        sum(t[1] for t in tickets),
        sum(t[2] for t in tickets),
    )
