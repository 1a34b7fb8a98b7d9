import threading

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Batch, BatchEvent, Order
from tests.conftest import ApiClient
from tests.factories import make_service_center, make_workshop
from workshops.models import Workshop

from .factories import (
    batch_in_production,
    claimed_batch,
    first_batch,
    make_published_order,
)

pytestmark = pytest.mark.django_db


def test_a_lead_claims_an_open_batch_for_their_workshop(api, workshop):
    batch = first_batch(make_published_order())
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "claimed"
    batch.refresh_from_db()
    assert (batch.status, batch.workshop, batch.claimed_by) == ("claimed", workshop, workshop.lead)
    event = BatchEvent.objects.filter(batch=batch).latest("pk")
    assert (event.from_status, event.to_status, event.actor) == ("open", "claimed", workshop.lead)


def test_second_claim_on_same_batch_gets_409(api, workshop):
    batch = first_batch(make_published_order())
    other = make_workshop()
    api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    response = ApiClient().as_user(other.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 409
    assert response.json()["code"] == "batch_already_claimed"
    batch.refresh_from_db()
    assert batch.workshop == workshop


def test_only_leads_claim(api, merchant):
    batch = first_batch(make_published_order(merchant))
    response = api.as_user(merchant).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN


def test_claim_refused_when_a_required_skill_is_missing(api):
    workshop = make_workshop(skills={"gouzhen": 3})
    batch = first_batch(make_published_order(skills=("raoxian", "dajie")))
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 403
    assert response.json()["code"] == "skill_missing"
    assert response.json()["detail"]["missing"] == ["dajie", "raoxian"]
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN


def test_claim_refused_for_a_suspended_workshop(api, workshop):
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.SUSPENDED)
    batch = first_batch(make_published_order())
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 403
    assert response.json()["code"] == "workshop_suspended"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN


def test_claim_refused_for_a_batch_meant_for_another_region(api, workshop):
    elsewhere = make_service_center(name="喀什中心", province="新疆")
    batch = first_batch(make_published_order(service_center_id=elsewhere.pk))
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 403
    assert response.json()["code"] == "batch_other_region"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN


def test_claim_on_a_taken_batch_of_another_region_does_not_say_it_is_taken(api, workshop):
    # found by the permission matrix: the answer was 409 batch_already_claimed, telling a lead
    # elsewhere the state of a batch it may never see
    elsewhere = make_workshop()
    center = elsewhere.organisation.service_center
    batch = claimed_batch(elsewhere, service_center_id=center.pk)
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert (response.status_code, response.json()["code"]) == (403, "batch_other_region")
    batch.refresh_from_db()
    assert batch.workshop == elsewhere


def test_claim_allowed_for_a_batch_meant_for_my_region(api, workshop):
    center = workshop.organisation.service_center
    batch = first_batch(make_published_order(service_center_id=center.pk))
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 200


def test_claim_refused_without_spare_capacity_before_the_deadline(api):
    workshop = make_workshop(daily_capacity=50)
    # 5 days × 50 pieces = 250 spare < 300 in the batch.
    batch = first_batch(make_published_order(quantity=600, batch_size=300, days=5))
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "workshop_no_capacity"
    assert body["detail"]["spare"] == 250
    assert body["detail"]["needed"] == 300
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN


def test_pieces_already_held_count_against_capacity(api):
    workshop = make_workshop(daily_capacity=100)
    order = make_published_order(quantity=600, batch_size=300, days=5)  # 500 spare
    first, second = order.batches.order_by("number")
    assert api.as_user(workshop.lead).post(f"/batches/{first.pk}/claim").status_code == 200
    response = api.post(f"/batches/{second.pk}/claim")  # 500 - 300 held = 200 < 300
    assert response.json()["code"] == "workshop_no_capacity"
    assert response.json()["detail"]["outstanding"] == 300


def test_claim_refused_once_the_deadline_has_come(api, workshop):
    order = make_published_order()
    Order.objects.filter(pk=order.pk).update(deadline=timezone.localdate())
    batch = first_batch(order)
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
    assert response.status_code == 409
    assert response.json()["code"] == "batch_deadline_passed"


def test_claim_on_a_cancelled_batch_is_409_not_open(api, workshop, merchant):
    order = make_published_order(merchant)
    api.as_user(merchant).post(f"/orders/{order.pk}/cancel")
    response = ApiClient().as_user(workshop.lead).post(f"/batches/{first_batch(order).pk}/claim")
    assert response.status_code == 409
    assert response.json()["code"] == "batch_not_open"


def test_release_gives_the_batch_back_to_open(api, workshop):
    batch = claimed_batch(workshop)
    response = api.as_user(workshop.lead).post(
        f"/batches/{batch.pk}/release", {"reason": "人手不够"}
    )
    assert response.status_code == 200, response.content
    batch.refresh_from_db()
    assert (batch.status, batch.workshop, batch.claimed_by) == ("open", None, None)
    assert BatchEvent.objects.filter(batch=batch).latest("pk").reason == "人手不够"


def test_release_in_production_is_refused(api, workshop):
    batch = batch_in_production(workshop)
    response = api.as_user(workshop.lead).post(f"/batches/{batch.pk}/release")
    assert response.status_code == 409
    assert response.json()["code"] == "batch_not_held"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION


def test_open_list_for_a_lead_shows_only_what_the_workshop_may_claim_best_first(api):
    workshop = make_workshop(skills={"raoxian": 3}, daily_capacity=100)
    other_center = make_service_center(name="其他中心")
    cheap = make_published_order(quantity=300, batch_size=300, fee="0.40")
    rich = make_published_order(quantity=300, batch_size=300, fee="0.90")
    make_published_order(quantity=300, batch_size=300, skills=("gouzhen",))  # skill
    make_published_order(quantity=300, batch_size=300, service_center_id=other_center.pk)
    make_published_order(quantity=3000, batch_size=3000, days=10)  # capacity: 1000 < 3000
    response = api.as_user(workshop.lead).get("/batches?status=open")
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == [first_batch(rich).pk, first_batch(cheap).pk]


def test_open_list_is_empty_for_a_suspended_workshop(api, workshop):
    make_published_order()
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.SUSPENDED)
    assert api.as_user(workshop.lead).get("/batches?status=open").json()["count"] == 0


def test_a_lead_of_workshop_a_cannot_see_or_act_on_workshop_b_batches(api):
    a, b = make_workshop(), make_workshop()
    batch = claimed_batch(b)
    client = api.as_user(a.lead)
    assert client.get(f"/batches/{batch.pk}").status_code == 404
    assert batch.pk not in [i["id"] for i in client.get("/batches").json()["items"]]
    assert batch.pk not in [i["id"] for i in client.get("/batches?status=claimed").json()["items"]]
    response = client.post(f"/batches/{batch.pk}/release")
    assert response.status_code == 404
    assert client.post(f"/batches/{batch.pk}/start-production").status_code == 404
    batch.refresh_from_db()
    assert (batch.status, batch.workshop) == ("claimed", b)


def test_an_operator_sees_every_batch_and_a_merchant_only_its_own(api, operator, merchant):
    mine = make_published_order(merchant, quantity=300, batch_size=300)
    theirs = make_published_order(quantity=300, batch_size=300)
    all_ids = {i["id"] for i in api.as_user(operator).get("/batches").json()["items"]}
    assert {first_batch(mine).pk, first_batch(theirs).pk} <= all_ids
    merchant_ids = {i["id"] for i in ApiClient().as_user(merchant).get("/batches").json()["items"]}
    assert merchant_ids == {first_batch(mine).pk}


@pytest.mark.django_db(transaction=True)
def test_twenty_leads_racing_for_one_batch_exactly_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    batch = first_batch(make_published_order(quantity=300, batch_size=300))
    workshops = [make_workshop() for _ in range(20)]
    clients = [ApiClient().as_user(w.lead) for w in workshops]
    barrier = threading.Barrier(len(clients))
    results: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def claim(client: ApiClient) -> None:
        try:
            barrier.wait()
            response = client.post(f"/batches/{batch.pk}/claim")
            with lock:
                results.append((response.status_code, response.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(code for code, _ in results)
    assert statuses == [200] + [409] * 19, results
    assert {code for status, code in results if status == 409} == {"batch_already_claimed"}
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CLAIMED
    assert BatchEvent.objects.filter(batch=batch, to_status="claimed").count() == 1


def test_the_batch_audit_trail_reads_in_order_for_the_merchant_but_not_another_lead(api):
    workshop = make_workshop()
    batch = claimed_batch(workshop)
    api.as_user(workshop.lead).post(f"/batches/{batch.pk}/release", {"reason": "人手不够"})
    merchant = batch.order.created_by
    events = ApiClient().as_user(merchant).get(f"/batches/{batch.pk}/events").json()["items"]
    assert [(e["from_status"], e["to_status"], e["reason"]) for e in events] == [
        ("", "open", "published"),
        ("open", "claimed", "claimed"),
        ("claimed", "open", "人手不够"),
    ]
    assert events[1]["actor"] == str(workshop.lead)
    # Another lead, even one that could claim the reopened batch, does not read its history;
    # and once it holds the batch, it sees its own events, not the first workshop's.
    stranger = make_workshop()
    client = ApiClient().as_user(stranger.lead)
    assert client.get(f"/batches/{batch.pk}/events").status_code == 404
    client.post(f"/batches/{batch.pk}/claim")
    events = client.get(f"/batches/{batch.pk}/events").json()["items"]
    assert [(e["to_status"], e["workshop"]) for e in events] == [
        ("open", None),
        ("claimed", stranger.name),
    ]


@pytest.mark.django_db(transaction=True)
def test_one_workshop_claiming_many_batches_at_once_never_exceeds_its_capacity():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    # 10 days × 100 pieces = 1000 spare: room for three batches of 300, not four.
    workshop = make_workshop(daily_capacity=100)
    order = make_published_order(quantity=3000, batch_size=300, days=10)
    batches = list(order.batches.order_by("number"))
    barrier = threading.Barrier(len(batches))
    results: list[str] = []
    lock = threading.Lock()

    def claim(batch) -> None:
        try:
            barrier.wait()
            response = ApiClient().as_user(workshop.lead).post(f"/batches/{batch.pk}/claim")
            with lock:
                results.append(response.json().get("code") or response.json()["status"])
        finally:
            connection.close()

    clients = [threading.Thread(target=claim, args=(b,)) for b in batches]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    assert sorted(results) == ["claimed"] * 3 + ["workshop_no_capacity"] * 7, results
    assert Batch.objects.filter(workshop=workshop, status="claimed").count() == 3
