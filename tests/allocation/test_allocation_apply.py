"""Applying a run: only a finished proposal, one apply at a time, under a lead's claim rule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from allocation.models import AllocationProposal, AllocationRun
from orders.models import Batch, BatchEvent
from tests.factories import make_household, make_service_center, make_workshop
from tests.orders.factories import make_published_order
from workshops.models import Workshop, WorkshopSkill

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return make_service_center()


@pytest.fixture
def near(center):
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


def proposed_run(api, operator, **order_terms) -> dict:
    order_terms.setdefault("quantity", 600)
    order_terms.setdefault("batch_size", 300)
    order_terms.setdefault("days", 30)
    make_published_order(**order_terms)
    body = api.as_user(operator).post("/allocation/runs", {}).json()
    assert (body["status"], body["assigned"]) == ("proposed", 2), body
    return body


def claims() -> int:
    return BatchEvent.objects.filter(to_status=Batch.Status.CLAIMED).count()


@pytest.mark.parametrize("status", [AllocationRun.Status.PENDING, AllocationRun.Status.RUNNING])
def test_a_run_still_computing_cannot_be_applied(api, operator, near, status):
    run = proposed_run(api, operator)
    # The worker is still storing proposals (some are there already).
    AllocationRun.objects.filter(pk=run["id"]).update(status=status)
    response = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "allocation_run_not_proposed"
    assert response.json()["detail"]["status"] == status
    assert AllocationRun.objects.get(pk=run["id"]).status == status
    assert claims() == 0
    assert set(Batch.objects.values_list("status", flat=True)) == {Batch.Status.OPEN}


def test_a_run_being_applied_gets_409_applying(api, operator, near):
    run = proposed_run(api, operator)
    AllocationRun.objects.filter(pk=run["id"]).update(
        status=AllocationRun.Status.APPLYING, applying_since=timezone.now()
    )
    response = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "allocation_run_applying"
    assert claims() == 0
    statuses = AllocationProposal.objects.values_list("status", flat=True)
    assert set(statuses) == {AllocationProposal.Status.PROPOSED}


def test_an_apply_that_died_is_taken_over_after_its_lease(api, operator, near):
    from allocation.services import APPLY_LEASE

    run = proposed_run(api, operator)
    AllocationRun.objects.filter(pk=run["id"]).update(
        status=AllocationRun.Status.APPLYING,
        applying_since=timezone.now() - APPLY_LEASE - timedelta(seconds=1),
    )
    response = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["applied"], body["skipped"]) == ("applied", 2, 0)
    assert claims() == 2


def test_the_task_finishes_an_apply_its_worker_did_not(operator, near):
    """A worker killed between storing the proposals and applying them: the task again."""
    from allocation.services import allocation_run_start
    from allocation.tasks import allocation_run_task

    make_published_order(quantity=600, batch_size=300, days=30)
    run = allocation_run_start(actor=operator)
    AllocationRun.objects.filter(pk=run.pk).update(apply=True)
    assert allocation_run_task(run.pk) == "applied"
    assert claims() == 2


def test_a_proposal_whose_workshop_lost_the_skill_is_skipped(api, operator, near):
    run = proposed_run(api, operator)
    WorkshopSkill.objects.filter(workshop=near).delete()
    body = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply").json()
    assert (body["status"], body["applied"], body["skipped"]) == ("applied", 0, 2)
    assert {(p["skip_reason"], p["skip_message"]) for p in body["proposals"]} == {
        ("skill_missing", "工坊已不具备订单所需的技能")
    }
    assert claims() == 0
    assert set(Batch.objects.values_list("status", flat=True)) == {Batch.Status.OPEN}


def test_a_proposal_whose_workshop_left_the_orders_region_is_skipped(api, operator, near, center):
    run = proposed_run(api, operator, service_center_id=center.pk)
    near.organisation.service_center = make_service_center(name="巴中市服务中心")
    near.organisation.save(update_fields=["service_center"])
    body = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply").json()
    assert (body["applied"], body["skipped"]) == (0, 2)
    assert {p["skip_reason"] for p in body["proposals"]} == {"batch_other_region"}
    assert claims() == 0


def test_a_workshop_without_room_any_more_is_skipped(api, operator, near):
    run = proposed_run(api, operator)
    # 200 a day for 30 days = 6000; now 15 a day: 450 pieces, room for one batch of 300.
    Workshop.objects.filter(pk=near.pk).update(daily_capacity=15)
    body = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply").json()
    assert (body["applied"], body["skipped"]) == (1, 1)
    skipped = next(p for p in body["proposals"] if p["status"] == "skipped")
    assert skipped["skip_reason"] == "workshop_no_capacity"
    assert claims() == 1


def test_a_suspended_workshop_is_skipped(api, operator, near):
    run = proposed_run(api, operator)
    Workshop.objects.filter(pk=near.pk).update(status=Workshop.Status.SUSPENDED)
    body = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply").json()
    assert {p["skip_reason"] for p in body["proposals"]} == {"workshop_suspended"}
    assert claims() == 0


def test_applied_batches_pass_the_lead_claim_rule_at_apply_time(api, operator, near):
    """Every batch the apply claimed would have been a lead's valid claim at that moment."""
    run = proposed_run(api, operator)
    body = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply").json()
    assert (body["applied"], body["skipped"]) == (2, 0)
    events = BatchEvent.objects.filter(to_status=Batch.Status.CLAIMED)
    assert {(e.workshop_id, e.batch.workshop_id) for e in events} == {(near.pk, near.pk)}
