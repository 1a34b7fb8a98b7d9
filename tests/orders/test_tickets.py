import threading
import uuid

import pytest
from django.db import connection
from django.db.models import Sum

from orders.models import Batch, Ticket, TicketReturn
from orders.selectors import returned_pieces_by_household
from orders.services import ticket_issue
from tests.conftest import ApiClient
from tests.factories import make_household, make_workshop

from .factories import batch_in_production, claimed_batch, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(workshop):
    return batch_in_production(workshop, quantity=300, batch_size=300)


def test_a_lead_issues_pieces_to_a_household_of_the_workshop(api, workshop, batch):
    household = make_household(workshop)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"household_id": household.pk, "quantity": 120}
    )
    assert response.status_code == 201, response.content
    assert response.json()["outstanding"] == 120
    ticket = Ticket.objects.get()
    assert (ticket.batch, ticket.household, ticket.issued) == (batch, household, 120)


def test_tickets_above_what_is_left_are_refused_and_nothing_is_issued(api, workshop, batch):
    make_ticket(batch, 250)
    household = make_household(workshop)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"household_id": household.pk, "quantity": 51}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "ticket_above_remaining"
    assert response.json()["detail"]["remaining"] == 50
    assert Ticket.objects.aggregate(total=Sum("issued"))["total"] == 250
    response = api.post(
        f"/batches/{batch.pk}/tickets", {"household_id": household.pk, "quantity": 50}
    )
    assert response.status_code == 201


@pytest.mark.parametrize("quantity", [0, -3])
def test_zero_or_negative_ticket_quantity_is_400(api, workshop, batch, quantity):
    household = make_household(workshop)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"household_id": household.pk, "quantity": quantity}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "quantity_not_positive"
    assert not Ticket.objects.exists()


def test_tickets_only_for_batches_in_production(api, workshop):
    batch = claimed_batch(workshop)
    household = make_household(workshop)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"household_id": household.pk, "quantity": 10}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "batch_not_in_production"


def test_tickets_only_to_households_of_the_same_workshop(api, workshop, batch):
    stranger = make_household(make_workshop())
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"household_id": stranger.pk, "quantity": 10}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "household_not_found"
    assert not Ticket.objects.exists()


def test_a_replayed_idempotency_key_issues_once(api, workshop, batch):
    household = make_household(workshop)
    body = {"household_id": household.pk, "quantity": 30, "idempotency_key": str(uuid.uuid4())}
    first = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/tickets", body)
    again = api.post(f"/batches/{batch.pk}/tickets", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Ticket.objects.count() == 1
    body["quantity"] = 31
    response = api.post(f"/batches/{batch.pk}/tickets", body)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_returns_add_up_and_each_hand_back_is_a_row(api, workshop, batch):
    ticket = make_ticket(batch, 100)
    client = api.as_user(workshop.lead)
    assert client.post(f"/tickets/{ticket.pk}/returns", {"returned": 60}).status_code == 201
    response = client.post(
        f"/tickets/{ticket.pk}/returns", {"returned": 35, "lost": 5, "loss_reason": "线材打结报废"}
    )
    assert response.status_code == 201, response.content
    ticket.refresh_from_db()
    assert (ticket.returned, ticket.lost, ticket.outstanding) == (95, 5, 0)
    assert list(TicketReturn.objects.values_list("returned", "lost")) == [(60, 0), (35, 5)]


def test_returned_plus_lost_never_exceeds_issued(api, workshop, batch):
    ticket = make_ticket(batch, 100)
    client = api.as_user(workshop.lead)
    client.post(f"/tickets/{ticket.pk}/returns", {"returned": 90})
    response = client.post(
        f"/tickets/{ticket.pk}/returns", {"returned": 8, "lost": 3, "loss_reason": "丢失"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "return_above_issued"
    assert response.json()["detail"]["outstanding"] == 10
    ticket.refresh_from_db()
    assert (ticket.returned, ticket.lost) == (90, 0)
    assert TicketReturn.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"returned": 0, "lost": 0}, "return_empty"),
        ({"returned": -1}, "return_empty"),
        ({"returned": 5, "lost": -5}, "return_empty"),
        ({"returned": 1, "lost": 2}, "loss_reason_required"),
        ({"lost": 2, "loss_reason": "   "}, "loss_reason_required"),
    ],
)
def test_bad_returns_are_400_and_change_nothing(api, workshop, batch, body, code):
    ticket = make_ticket(batch, 10)
    response = api.as_user(workshop.lead).post(f"/tickets/{ticket.pk}/returns", body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    ticket.refresh_from_db()
    assert (ticket.returned, ticket.lost) == (0, 0)
    assert not TicketReturn.objects.exists()


def test_a_lead_of_workshop_a_cannot_see_or_act_on_workshop_b_tickets_or_households(api, batch):
    ticket = make_ticket(batch, 10)
    other = make_workshop()
    client = api.as_user(other.lead)
    assert client.get(f"/tickets/{ticket.pk}").status_code == 404
    assert client.get(f"/batches/{batch.pk}/tickets").status_code == 404
    response = client.post(f"/tickets/{ticket.pk}/returns", {"returned": 5})
    assert response.status_code == 404
    assert response.json()["code"] == "ticket_not_found"
    own_household = make_household(other)
    response = client.post(
        f"/batches/{batch.pk}/tickets", {"household_id": own_household.pk, "quantity": 1}
    )
    assert response.status_code == 404
    assert client.get(f"/workshops/{batch.workshop_id}/households").status_code == 404
    ticket.refresh_from_db()
    assert ticket.returned == 0
    assert Ticket.objects.count() == 1


def test_returned_pieces_by_household_sums_each_households_tickets(batch, workshop):
    first, second = make_household(workshop), make_household(workshop)
    for household, issued, back in ((first, 50, 40), (first, 20, 20), (second, 30, 0)):
        ticket = make_ticket(batch, issued, household=household)
        if back:
            Ticket.objects.filter(pk=ticket.pk).update(returned=back)
    assert returned_pieces_by_household(batch_id=batch.pk) == {first.pk: 60}


def test_marking_returned_needs_every_ticket_settled(api, workshop, batch):
    ticket = make_ticket(batch, 100)
    client = api.as_user(workshop.lead)
    client.post(f"/tickets/{ticket.pk}/returns", {"returned": 90})
    response = client.post(f"/batches/{batch.pk}/returned")
    assert response.status_code == 409
    assert response.json()["code"] == "tickets_outstanding"
    client.post(f"/tickets/{ticket.pk}/returns", {"lost": 10, "loss_reason": "污损"})
    response = client.post(f"/batches/{batch.pk}/returned")
    assert response.status_code == 200, response.content
    batch.refresh_from_db()
    assert batch.status == Batch.Status.RETURNED
    # Once returned, no more tickets or returns on it.
    response = client.post(f"/tickets/{ticket.pk}/returns", {"returned": 1})
    assert response.json()["code"] == "batch_not_in_production"


def test_marking_returned_with_nothing_back_is_refused(api, workshop, batch):
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/returned")
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_returned"


@pytest.mark.django_db(transaction=True)
def test_concurrent_tickets_never_exceed_the_batch():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    workshop = make_workshop()
    batch = batch_in_production(workshop, quantity=100, batch_size=100)
    households = [make_household(workshop) for _ in range(12)]
    barrier = threading.Barrier(len(households))
    outcomes: list[str] = []
    lock = threading.Lock()

    def issue(household) -> None:
        try:
            barrier.wait()
            try:
                ticket_issue(
                    actor=workshop.lead, batch_id=batch.pk, household_id=household.pk, quantity=15
                )
                outcome = "issued"
            except Exception as exc:  # the refusals are what we count
                outcome = getattr(exc, "code", repr(exc))
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(h,)) for h in households]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 100 pieces hold six tickets of 15 (90); the other six are refused.
    assert sorted(outcomes) == ["issued"] * 6 + ["ticket_above_remaining"] * 6, outcomes
    assert Ticket.objects.filter(batch=batch).aggregate(total=Sum("issued"))["total"] == 90


@pytest.mark.django_db(transaction=True)
def test_concurrent_returns_never_exceed_issued():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    from orders.services import ticket_return_record

    workshop = make_workshop()
    batch = batch_in_production(workshop, quantity=100, batch_size=100)
    ticket = make_ticket(batch, 50)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def hand_back() -> None:
        try:
            barrier.wait()
            try:
                ticket_return_record(actor=workshop.lead, ticket_id=ticket.pk, returned=7)
                outcome = "recorded"
            except Exception as exc:
                outcome = getattr(exc, "code", repr(exc))
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_back) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["recorded"] * 7 + ["return_above_issued"] * 3, outcomes
    ticket.refresh_from_db()
    assert ticket.returned == 49
    assert TicketReturn.objects.filter(ticket=ticket).count() == 7


def test_ticket_list_and_read_for_the_holding_lead(api, workshop, batch):
    ticket = make_ticket(batch, 10)
    client = ApiClient().as_user(workshop.lead)
    assert [t["id"] for t in client.get(f"/batches/{batch.pk}/tickets").json()["items"]] == [
        ticket.pk
    ]
    assert client.get(f"/tickets/{ticket.pk}").json()["household"] == ticket.household.name


def test_a_replayed_return_counts_once(api, workshop, batch):
    ticket = make_ticket(batch, 40)
    body = {"returned": 30, "idempotency_key": str(uuid.uuid4())}
    client = api.as_user(workshop.lead)
    first = client.post(f"/tickets/{ticket.pk}/returns", body)
    again = client.post(f"/tickets/{ticket.pk}/returns", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    ticket.refresh_from_db()
    assert ticket.returned == 30
    assert TicketReturn.objects.count() == 1
