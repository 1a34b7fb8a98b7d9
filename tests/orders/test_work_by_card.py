"""Work by card: tickets issued and returns recorded by scanning (or typing) a household's card,
one at a time or through the phone's offline queue (POST /card-work/bulk)."""

import threading
import uuid

import pytest
from django.db import connection

from orders.models import Ticket, TicketReturn
from tests.factories import make_household, make_workshop
from workshops import cards
from workshops.services import household_card_reissue

from .factories import batch_in_production, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(workshop):
    return batch_in_production(workshop, quantity=300, batch_size=300)


@pytest.fixture
def household(workshop):
    return make_household(workshop, name="王秀英")


def _typo(code: str) -> str:
    """The code with one character changed: the check character catches it."""
    wrong = cards.ALPHABET[(cards.VALUE[code[3]] + 1) % 32]
    return code[:3] + wrong + code[4:]


def test_a_lead_issues_a_ticket_by_scanning_the_households_card(api, workshop, batch, household):
    # The camera reads the passbook link on the card; the code alone works as well.
    scanned = f"http://127.0.0.1:8000/p/{household.card_code}/"
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"card_code": scanned, "quantity": 40}
    )
    assert response.status_code == 201, response.content
    assert response.json()["household"] == "王秀英"
    ticket = Ticket.objects.get()
    assert (ticket.batch, ticket.household, ticket.issued) == (batch, household, 40)


def test_a_typed_code_with_its_groups_and_lower_case_is_read(api, workshop, batch, household):
    typed = cards.display(household.card_code).lower()
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"card_code": typed, "quantity": 5}
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().household == household


def test_a_ticket_names_the_household_by_number_or_by_card_not_both(
    api, workshop, batch, household
):
    lead = api.as_user(workshop.lead)
    both = {"household_id": household.pk, "card_code": household.card_code, "quantity": 5}
    assert lead.post(f"/batches/{batch.pk}/tickets", both).status_code == 422
    assert lead.post(f"/batches/{batch.pk}/tickets", {"quantity": 5}).status_code == 422
    assert not Ticket.objects.exists()


def test_a_typed_code_with_a_typo_is_refused_and_nothing_is_issued(api, workshop, batch, household):
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets",
        {"card_code": _typo(household.card_code), "quantity": 5},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "card_code_invalid"
    assert body["detail"] == {"reason": "check"}
    assert "卡号有误" in body["message"]
    assert not Ticket.objects.exists()


def test_another_workshops_card_is_404_and_nothing_is_issued(api, workshop, batch):
    stranger = make_household(make_workshop())
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"card_code": stranger.card_code, "quantity": 5}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "card_not_found"
    assert not Ticket.objects.exists()


def test_an_operator_cannot_issue_a_batch_to_a_card_of_another_workshop(api, operator, batch):
    stranger = make_household(make_workshop())
    response = api.as_user(operator).post(
        f"/batches/{batch.pk}/tickets", {"card_code": stranger.card_code, "quantity": 5}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "card_not_found"
    assert not Ticket.objects.exists()


def test_another_workshops_batch_is_404_whatever_the_card(api, household):
    other = make_workshop()
    foreign_batch = batch_in_production(other, quantity=100, batch_size=100)
    response = api.as_user(household.workshop.lead).post(
        f"/batches/{foreign_batch.pk}/tickets", {"card_code": household.card_code, "quantity": 5}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "batch_not_found"


def test_a_retired_card_is_refused_with_its_reason(api, workshop, batch, household):
    old = household.card_code
    household_card_reissue(actor=workshop.lead, household_id=household.pk, reason="丢了")
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/tickets", {"card_code": old, "quantity": 5}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "card_retired"
    assert "已停用" in response.json()["message"]
    assert not Ticket.objects.exists()


def test_issuing_by_card_twice_with_one_key_counts_once(api, workshop, batch, household):
    body = {"card_code": household.card_code, "quantity": 30, "idempotency_key": str(uuid.uuid4())}
    lead = api.as_user(workshop.lead)
    first = lead.post(f"/batches/{batch.pk}/tickets", body)
    again = lead.post(f"/batches/{batch.pk}/tickets", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1
    reused = lead.post(f"/batches/{batch.pk}/tickets", {**body, "quantity": 31})
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_a_replay_after_the_card_was_reissued_is_still_the_first_ticket(
    api, workshop, batch, household
):
    body = {"card_code": household.card_code, "quantity": 30, "idempotency_key": str(uuid.uuid4())}
    lead = api.as_user(workshop.lead)
    first = lead.post(f"/batches/{batch.pk}/tickets", body)
    household_card_reissue(actor=workshop.lead, household_id=household.pk, reason="坏了")
    again = lead.post(f"/batches/{batch.pk}/tickets", body)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


# --- returns by card -------------------------------------------------------------------------


def test_a_return_by_card_fills_the_households_tickets_oldest_first(
    api, workshop, batch, household
):
    older = make_ticket(batch, 20, household=household)
    newer = make_ticket(batch, 30, household=household)
    someone_else = make_ticket(batch, 10)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/returns",
        {"card_code": household.card_code, "returned": 25, "lost": 1, "loss_reason": "断线"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["household"], body["returned"], body["lost"]) == ("王秀英", 25, 1)
    for ticket in (older, newer, someone_else):
        ticket.refresh_from_db()
    assert (older.returned, older.lost) == (20, 0)
    assert (newer.returned, newer.lost) == (5, 1)
    assert someone_else.returned == 0
    assert TicketReturn.objects.get(ticket=newer).loss_reason == "断线"


def test_a_return_by_card_above_what_the_household_has_out_changes_nothing(
    api, workshop, batch, household
):
    make_ticket(batch, 20, household=household)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/returns", {"card_code": household.card_code, "returned": 21}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "return_above_issued"
    assert response.json()["detail"]["outstanding"] == 20
    assert not TicketReturn.objects.exists()


def test_a_return_by_card_of_a_household_with_nothing_out_is_409(api, workshop, batch, household):
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/returns", {"card_code": household.card_code, "returned": 1}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "card_no_open_ticket"


def test_a_return_by_card_needs_a_reason_for_lost_pieces(api, workshop, batch, household):
    make_ticket(batch, 20, household=household)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/returns", {"card_code": household.card_code, "returned": 1, "lost": 1}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "loss_reason_required"
    assert not TicketReturn.objects.exists()


@pytest.mark.parametrize(
    ("card", "status", "code"),
    [("typo", 400, "card_code_invalid"), ("retired", 404, "card_retired"),
     ("stranger", 404, "card_not_found")],
)  # fmt: skip
def test_a_return_by_a_wrong_card_is_refused(api, workshop, batch, household, card, status, code):
    make_ticket(batch, 20, household=household)
    raw = household.card_code
    if card == "typo":
        raw = _typo(raw)
    elif card == "retired":
        household_card_reissue(actor=workshop.lead, household_id=household.pk, reason="丢了")
    else:
        raw = make_household(make_workshop()).card_code
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/returns", {"card_code": raw, "returned": 5}
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not TicketReturn.objects.exists()


def test_a_return_by_card_split_over_tickets_replays_as_one(api, workshop, batch, household):
    make_ticket(batch, 20, household=household)
    make_ticket(batch, 30, household=household)
    body = {"card_code": household.card_code, "returned": 35, "idempotency_key": str(uuid.uuid4())}
    lead = api.as_user(workshop.lead)
    first = lead.post(f"/batches/{batch.pk}/returns", body)
    again = lead.post(f"/batches/{batch.pk}/returns", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["returns"] == first.json()["returns"]
    assert TicketReturn.objects.count() == 2
    assert sum(Ticket.objects.values_list("returned", flat=True)) == 35
    reused = lead.post(f"/batches/{batch.pk}/returns", {**body, "returned": 34})
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert sum(Ticket.objects.values_list("returned", flat=True)) == 35


# --- the phone's offline queue ---------------------------------------------------------------


def _item(kind: str, batch, code: str, **fields) -> dict:
    return {
        "key": str(uuid.uuid4()),
        "kind": kind,
        "batch_id": batch.pk,
        "card_code": code,
        "device_time": "2026-11-20T10:00:00+08:00",
        **fields,
    }


def test_the_queue_records_issue_then_return_in_the_order_the_phone_made_them(
    api, workshop, batch, household
):
    issue = _item("issue", batch, household.card_code, quantity=40)
    back = _item("return", batch, household.card_code, returned=40)
    back["device_time"] = "2026-11-20T15:00:00+08:00"
    # Sent the wrong way round (the phone's store has no order): recorded in device time.
    response = api.as_user(workshop.lead).post("/card-work/bulk", {"items": [back, issue]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["replayed"], body["rejected"]) == (2, 0, 0)
    assert [r["index"] for r in body["results"]] == [0, 1]
    assert [r["kind"] for r in body["results"]] == ["return", "issue"]
    assert body["results"][1]["household"] == "王秀英"
    ticket = Ticket.objects.get()
    assert (ticket.issued, ticket.returned) == (40, 40)

    again = api.post("/card-work/bulk", {"items": [issue, back]}).json()
    assert (again["created"], again["replayed"], again["rejected"]) == (0, 2, 0)
    assert Ticket.objects.count() == 1
    assert TicketReturn.objects.count() == 1


def test_each_queued_item_is_judged_on_its_own(api, workshop, batch, household):
    good = _item("issue", batch, household.card_code, quantity=10)
    typo = _item("issue", batch, _typo(household.card_code), quantity=10)
    stranger = _item("issue", batch, make_household(make_workshop()).card_code, quantity=10)
    response = api.as_user(workshop.lead).post(
        "/card-work/bulk", {"items": [good, typo, "not an item", {"kind": "fly"}, stranger]}
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created", "rejected", "rejected", "rejected", "rejected"
    ]  # fmt: skip
    assert [r["error"]["code"] for r in results[1:]] == [
        "card_code_invalid", "validation_error", "validation_error", "card_not_found"
    ]  # fmt: skip
    assert Ticket.objects.count() == 1


def test_a_queued_number_no_column_holds_is_refused_in_its_result(api, workshop, batch, household):
    huge = _item("issue", batch, household.card_code, quantity=10)
    huge["batch_id"] = 2**70
    good = _item("issue", batch, household.card_code, quantity=10)
    response = api.as_user(workshop.lead).post("/card-work/bulk", {"items": [huge, good]})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0]["error"]["detail"]["errors"][0]["loc"] == ["batch_id"]
    assert Ticket.objects.count() == 1


def test_a_queue_above_the_limit_is_413_and_nothing_is_recorded(api, workshop, batch, household):
    items = [_item("issue", batch, household.card_code, quantity=1) for _ in range(201)]
    response = api.as_user(workshop.lead).post("/card-work/bulk", {"items": items})
    assert response.status_code == 413
    assert response.json()["detail"]["limit"] == 200
    assert not Ticket.objects.exists()


def test_checkers_and_merchants_cannot_work_by_card(api, batch, household, merchant):
    response = api.as_user(merchant).post(
        "/card-work/bulk", {"items": [_item("issue", batch, household.card_code, quantity=1)]}
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_queued_return_sent_twice_at_once_is_recorded_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from django.db import connections

    from tests.conftest import ApiClient

    workshop = make_workshop()
    batch = batch_in_production(workshop, quantity=100, batch_size=100)
    household = make_household(workshop)
    make_ticket(batch, 20, household=household)
    make_ticket(batch, 20, household=household)
    item = _item("return", batch, household.card_code, returned=30)
    answers, barrier = [], threading.Barrier(2)

    def send():
        try:
            barrier.wait()
            client = ApiClient().as_user(workshop.lead)
            answers.append(client.post("/card-work/bulk", {"items": [item]}).json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a["results"][0]["status"] for a in answers)
    assert statuses == ["created", "replayed"], answers
    assert TicketReturn.objects.count() == 2
    assert sum(Ticket.objects.values_list("returned", flat=True)) == 30
