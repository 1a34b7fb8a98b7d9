"""A wrong return is corrected by a new entry, never an edit (issue 12): the hand-back stays as
recorded, a correction row says by how much and why, and the totals take it in."""

import uuid

import pytest

from orders.models import Ticket, TicketReturn, TicketReturnCorrection
from orders.selectors import attach_progress, returned_pieces_by_household
from orders.services import ticket_return_correct, ticket_return_record
from tests.factories import make_user, make_workshop

from .factories import batch_in_production, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(workshop):
    batch = batch_in_production(workshop, quantity=100, batch_size=100)
    ticket = make_ticket(batch, 60)
    ticket_return_record(actor=workshop.lead, ticket_id=ticket.pk, returned=55)
    return ticket


def _state(ticket: Ticket):
    ticket.refresh_from_db()
    return (
        ticket.returned,
        list(TicketReturn.objects.filter(ticket=ticket).values_list("returned", flat=True)),
        list(TicketReturnCorrection.objects.values_list("returned_change", "reason")),
    )


def test_a_correction_is_a_new_row_and_the_totals_take_it_while_the_return_stays(
    api, workshop, ticket
):
    response = api.as_user(workshop.lead).post(
        f"/tickets/{ticket.pk}/corrections", {"returned_change": -5, "reason": "数错了，实交50"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["ticket_id"], body["returned_change"], body["reason"]) == (
        ticket.pk,
        -5,
        "数错了，实交50",
    )
    assert _state(ticket) == (50, [55], [(-5, "数错了，实交50")])
    assert returned_pieces_by_household(batch_id=ticket.batch_id) == {ticket.household_id: 50}
    (order,) = attach_progress([ticket.batch.order])
    assert order.pieces_returned == 50
    # A correction upward is a row too; the ticket's total follows both.
    lead = workshop.lead
    ticket_return_correct(actor=lead, ticket_id=ticket.pk, returned_change=2, reason="漏记")
    assert _state(ticket)[0] == 52
    assert TicketReturnCorrection.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "code"),
    [(-56, "correction_below_zero"), (6, "correction_above_issued")],
)
def test_a_correction_past_zero_or_issued_is_409_and_changes_nothing(
    api, workshop, ticket, change, code
):
    before = _state(ticket)
    response = api.as_user(workshop.lead).post(
        f"/tickets/{ticket.pk}/corrections", {"returned_change": change, "reason": "试试"}
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == code
    assert _state(ticket) == before


def test_the_edges_zero_and_issued_are_allowed(workshop, ticket):
    ticket_return_correct(actor=workshop.lead, ticket_id=ticket.pk, returned_change=5, reason="a")
    assert _state(ticket)[0] == 60
    ticket_return_correct(actor=workshop.lead, ticket_id=ticket.pk, returned_change=-60, reason="b")
    assert _state(ticket)[0] == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"returned_change": 0, "reason": "无"}, "correction_empty"),
        ({"returned_change": -3, "reason": "  "}, "correction_reason_required"),
    ],
)
def test_an_empty_correction_or_one_without_a_reason_is_400(api, workshop, ticket, body, code):
    before = _state(ticket)
    response = api.as_user(workshop.lead).post(f"/tickets/{ticket.pk}/corrections", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert _state(ticket) == before


def test_a_replayed_key_counts_once_and_a_reused_key_is_409(api, workshop, ticket):
    key = str(uuid.uuid4())
    client = api.as_user(workshop.lead)
    body = {"returned_change": -5, "reason": "数错了", "idempotency_key": key}
    assert client.post(f"/tickets/{ticket.pk}/corrections", body).status_code == 201
    assert client.post(f"/tickets/{ticket.pk}/corrections", body).status_code == 200
    other = client.post(f"/tickets/{ticket.pk}/corrections", {**body, "returned_change": -4})
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert _state(ticket)[0] == 50
    assert TicketReturnCorrection.objects.count() == 1


def test_another_workshops_ticket_is_404_and_a_merchant_403(api, ticket):
    stranger = make_workshop()
    response = api.as_user(stranger.lead).post(
        f"/tickets/{ticket.pk}/corrections", {"returned_change": -1, "reason": "x"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "ticket_not_found"
    response = api.as_user(ticket.batch.order.created_by).post(
        f"/tickets/{ticket.pk}/corrections", {"returned_change": -1, "reason": "x"}
    )
    assert response.status_code == 403
    assert not TicketReturnCorrection.objects.exists()


def test_no_correction_once_the_batch_is_returned(api, workshop, ticket):
    ticket_return_record(actor=workshop.lead, ticket_id=ticket.pk, returned=5)
    from orders.services import batch_mark_returned

    batch_mark_returned(batch_id=ticket.batch_id, actor=workshop.lead)
    response = api.as_user(workshop.lead).post(
        f"/tickets/{ticket.pk}/corrections", {"returned_change": -1, "reason": "x"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "batch_not_in_production"
    assert not TicketReturnCorrection.objects.exists()


def test_a_correction_never_goes_below_the_pieces_already_packed(api, workshop, ticket):
    from quality.services import lot_create

    lot_create(
        actor=workshop.lead,
        batch_id=ticket.batch_id,
        kind="finished",
        quantity=53,
        shares=[{"household_id": ticket.household_id, "quantity": 53}],
    )
    before = _state(ticket)
    response = api.as_user(workshop.lead).post(
        f"/tickets/{ticket.pk}/corrections", {"returned_change": -3, "reason": "数错了"}
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "correction_below_packed"
    assert response.json()["detail"]["packed"] == 53
    assert _state(ticket) == before
    # Down to what is packed is fine.
    ticket_return_correct(actor=workshop.lead, ticket_id=ticket.pk, returned_change=-2, reason="x")
    assert _state(ticket)[0] == 53


def test_an_operator_may_correct(api, ticket):
    operator = make_user("operator")
    response = api.as_user(operator).post(
        f"/tickets/{ticket.pk}/corrections", {"returned_change": -1, "reason": "核对后更正"}
    )
    assert response.status_code == 201
    assert TicketReturnCorrection.objects.get().recorded_by == operator
