"""Smart allocation over HTTP: who may run it, proposals with reasons, apply, background runs."""

from decimal import Decimal

import pytest

from accounts.models import User
from allocation.models import AllocationProposal, AllocationRun
from orders.models import Batch, BatchEvent
from orders.services import batch_claim
from tests.factories import make_household, make_service_center, make_user, make_workshop
from tests.orders.factories import make_published_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process_tasks():
    """Run .delay() in-process even when REDIS_URL points at a broker with no worker here."""
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def center():
    return make_service_center()


@pytest.fixture
def near(center):
    """A workshop close to its service center, with households and the winding skill."""
    workshop = make_workshop(
        service_center=center,
        skills={"raoxian": 2},
        daily_capacity=200,
        latitude=Decimal("30.880000"),
        longitude=Decimal("101.890000"),
    )
    for _ in range(5):
        make_household(workshop)
    return workshop


@pytest.fixture
def far(center):
    workshop = make_workshop(
        service_center=center,
        skills={"raoxian": 2, "dajie": 1},
        daily_capacity=200,
        latitude=Decimal("31.900000"),
        longitude=Decimal("102.900000"),
    )
    for _ in range(5):
        make_household(workshop)
    return workshop


def test_operator_gets_a_proposal_for_every_open_batch_with_reasons(api, operator, near, far):
    order = make_published_order(quantity=900, batch_size=300, days=30)
    response = api.as_user(operator).post("/allocation/runs", {})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["batches_considered"], body["assigned"]) == ("proposed", 3, 3)
    assert body["proposals_total"] == 3
    proposals = body["proposals"]
    assert {p["batch_id"] for p in proposals} == set(order.batches.values_list("pk", flat=True))
    # Both fit; the near workshop is far cheaper to ship to, and has room for all three.
    assert {p["workshop_id"] for p in proposals} == {near.pk}
    first = proposals[0]
    assert Decimal(first["score"]) > 0
    codes = [reason["code"] for reason in first["reasons"]]
    assert codes == ["distance", "first_pass_yield_unknown", "deadline", "households"]
    assert first["reasons"][0]["message"].startswith("距服务中心")
    assert first["reasons"][0]["detail"]["km"] < 5
    # Proposing changes no batch.
    assert set(order.batches.values_list("status", flat=True)) == {Batch.Status.OPEN}
    assert not BatchEvent.objects.filter(to_status=Batch.Status.CLAIMED).exists()


def test_reasons_are_worded_in_english_on_request(api, operator, near):
    make_published_order(quantity=300, batch_size=300)
    body = api.as_user(operator).post("/allocation/runs", {}, headers={"Accept-Language": "en"})
    reason = body.json()["proposals"][0]["reasons"][0]
    assert "km" in reason["message"] and "服务中心" not in reason["message"]


@pytest.mark.parametrize("role", [User.Role.LEAD, User.Role.MERCHANT, User.Role.CHECKER])
def test_only_operators_may_run_allocation(api, role, near):
    make_published_order(quantity=300, batch_size=300)
    user = near.lead if role == User.Role.LEAD else make_user(role)
    response = api.as_user(user).post("/allocation/runs", {"apply": True})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "role_not_allowed"
    assert not AllocationRun.objects.exists()
    assert set(Batch.objects.values_list("status", flat=True)) == {Batch.Status.OPEN}


def test_lead_cannot_read_a_run(api, operator, near):
    make_published_order(quantity=300, batch_size=300)
    run_id = api.as_user(operator).post("/allocation/runs", {}).json()["id"]
    response = api.as_user(near.lead).get(f"/allocation/runs/{run_id}")
    assert response.status_code == 403


def test_apply_claims_the_batches_and_writes_events(api, operator, near, far):
    order = make_published_order(quantity=600, batch_size=300, days=30)
    response = api.as_user(operator).post("/allocation/runs", {"apply": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["applied"], body["skipped"]) == ("applied", 2, 0)
    batches = list(order.batches.all())
    assert {(b.status, b.workshop_id) for b in batches} == {(Batch.Status.CLAIMED, near.pk)}
    events = BatchEvent.objects.filter(batch__order=order, to_status=Batch.Status.CLAIMED)
    assert events.count() == 2
    assert {(e.actor_id, e.workshop_id, e.reason) for e in events} == {
        (operator.pk, near.pk, f"allocation run #{body['id']}")
    }
    assert {p["status"] for p in body["proposals"]} == {"applied"}


def test_a_batch_a_lead_claimed_meanwhile_is_skipped_not_reassigned(api, operator, near, far):
    order = make_published_order(quantity=600, batch_size=300, days=30)
    run = api.as_user(operator).post("/allocation/runs", {}).json()
    taken = order.batches.order_by("number").first()
    batch_claim(actor=far.lead, batch_id=taken.pk)

    response = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["applied"], body["skipped"]) == (1, 1)
    skipped = next(p for p in body["proposals"] if p["batch_id"] == taken.pk)
    assert (skipped["status"], skipped["skip_reason"]) == ("skipped", "batch_taken")
    assert skipped["skip_message"] == "批次已被其他工坊认领"
    taken.refresh_from_db()
    assert (taken.status, taken.workshop_id) == (Batch.Status.CLAIMED, far.pk)
    assert BatchEvent.objects.filter(batch=taken, to_status=Batch.Status.CLAIMED).count() == 1


def test_a_run_is_applied_once(api, operator, near):
    make_published_order(quantity=300, batch_size=300)
    run = api.as_user(operator).post("/allocation/runs", {"apply": True}).json()
    response = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    assert response.status_code == 409
    assert response.json()["code"] == "allocation_run_not_proposed"
    assert BatchEvent.objects.filter(to_status=Batch.Status.CLAIMED).count() == 1


def test_capacity_before_the_deadline_and_skills_are_respected(api, operator, center):
    # 100 pieces a day, 4 days: 400 pieces in all; the third 200-piece batch cannot fit.
    small = make_workshop(service_center=center, skills={"raoxian": 2}, daily_capacity=100)
    make_workshop(service_center=center, skills={"bianzhi": 2}, daily_capacity=1000)
    order = make_published_order(quantity=600, batch_size=200, days=4)
    body = api.as_user(operator).post("/allocation/runs", {"apply": True}).json()
    assert (body["assigned"], body["unassigned"], body["applied"]) == (2, 1, 2)
    claimed = order.batches.filter(status=Batch.Status.CLAIMED)
    assert set(claimed.values_list("workshop_id", flat=True)) == {small.pk}
    left = next(p for p in body["proposals"] if p["status"] == "unassigned")
    assert left["workshop_id"] is None
    assert left["reasons"][0]["code"] == "capacity_taken"


def test_batch_ids_that_are_not_open_are_refused_and_nothing_is_made(api, operator, near):
    order = make_published_order(quantity=300, batch_size=300)
    batch = order.batches.get()
    batch_claim(actor=near.lead, batch_id=batch.pk)
    response = api.as_user(operator).post("/allocation/runs", {"batch_ids": [batch.pk, 999999]})
    assert response.status_code == 400
    assert response.json()["code"] == "allocation_batches_not_open"
    assert response.json()["detail"]["batch_ids"] == [batch.pk, 999999]
    assert not AllocationRun.objects.exists()


def test_nothing_open_is_a_clear_400(api, operator, near):
    response = api.as_user(operator).post("/allocation/runs", {})
    assert response.status_code == 400
    assert response.json()["code"] == "allocation_no_open_batches"


def test_unknown_fields_are_refused(api, operator, near):
    make_published_order(quantity=300, batch_size=300)
    response = api.as_user(operator).post("/allocation/runs", {"aply": True})
    assert response.status_code == 422


def test_a_background_run_reports_progress_and_finishes(
    api, operator, near, far, django_capture_on_commit_callbacks, in_process_tasks
):
    order = make_published_order(quantity=1500, batch_size=300, days=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(operator).post(
            "/allocation/runs", {"background": True, "apply": True}
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["task_id"] is not None
    task = api.get(f"/tasks/{body['task_id']}").json()
    assert (task["status"], task["percent"]) == ("succeeded", 100)
    assert task["result"]["run_id"] == body["id"]
    run = api.get(f"/allocation/runs/{body['id']}").json()
    assert (run["status"], run["assigned"], run["applied"]) == ("applied", 5, 5)
    assert order.batches.filter(status=Batch.Status.CLAIMED).count() == 5
    assert AllocationProposal.objects.filter(run_id=body["id"]).count() == 5


def test_running_the_task_again_changes_nothing(
    api, operator, near, django_capture_on_commit_callbacks, in_process_tasks
):
    from allocation.tasks import allocation_run_task

    make_published_order(quantity=600, batch_size=300)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = api.as_user(operator).post("/allocation/runs", {"background": True}).json()["id"]
    assert allocation_run_task(run_id) == "proposed"
    assert AllocationProposal.objects.filter(run_id=run_id).count() == 2
