from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from orders.models import Batch, BatchEvent
from orders.services import order_publish
from orders.tasks import batch_claims_expire_task
from tests.factories import make_service_center, make_workshop
from workshops.models import Workshop

from .factories import batch_in_production, claimed_batch, make_order

pytestmark = pytest.mark.django_db


def age_claim(batch: Batch, hours: float) -> None:
    Batch.objects.filter(pk=batch.pk).update(claimed_at=timezone.now() - timedelta(hours=hours))


def test_beat_runs_the_expiry_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["release-expired-batch-claims"]
    assert entry["task"] == batch_claims_expire_task.name


def test_a_claim_without_materials_after_the_ttl_reopens_and_the_lead_is_told(
    workshop, outbox, django_capture_on_commit_callbacks
):
    workshop.lead.phone = "13900001111"
    workshop.lead.save()
    batch = claimed_batch(workshop)
    age_claim(batch, 73)
    with django_capture_on_commit_callbacks(execute=True):
        released = batch_claims_expire_task()
    assert released == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.workshop, batch.claimed_at) == ("open", None, None)
    event = BatchEvent.objects.filter(batch=batch).latest("pk")
    assert (event.from_status, event.to_status, event.reason, event.actor) == (
        "claimed",
        "open",
        "claim_expired",
        None,
    )
    assert [(n.kind, n.user_id, n.phone) for n in outbox] == [
        ("batch_claim_expired", workshop.lead.pk, "13900001111")
    ]
    assert "72小时内未收到物料" in outbox[0].text


def test_a_claim_within_the_ttl_stays(workshop, outbox):
    batch = claimed_batch(workshop)
    age_claim(batch, 71)
    assert batch_claims_expire_task() == []
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CLAIMED
    assert outbox == []


def test_the_ttl_comes_from_settings(workshop, settings):
    settings.BATCH_CLAIM_TTL_HOURS = 2
    batch = claimed_batch(workshop)
    age_claim(batch, 3)
    assert batch_claims_expire_task() == [batch.pk]


def test_batches_in_production_never_expire(workshop):
    batch = batch_in_production(workshop)
    age_claim(batch, 500)
    assert batch_claims_expire_task() == []
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION


def test_running_expiry_twice_releases_once(workshop):
    batch = claimed_batch(workshop)
    age_claim(batch, 100)
    assert batch_claims_expire_task() == [batch.pk]
    assert batch_claims_expire_task() == []
    assert BatchEvent.objects.filter(batch=batch, reason="claim_expired").count() == 1


@pytest.fixture
def eager_tasks():
    """Run .delay() in-process even when REDIS_URL points at a broker with no worker."""
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def test_publishing_tells_only_leads_whose_workshops_fit(
    outbox, eager_tasks, django_capture_on_commit_callbacks
):
    center = make_service_center(name="丹巴中心")
    fits = make_workshop(service_center=center, skills={"raoxian": 2})
    make_workshop(service_center=center, skills={"gouzhen": 2})  # lacks the skill
    suspended = make_workshop(service_center=center, skills={"raoxian": 2})
    Workshop.objects.filter(pk=suspended.pk).update(status=Workshop.Status.SUSPENDED)
    make_workshop(skills={"raoxian": 2})  # another region
    order = make_order(service_center_id=center.pk, quantity=600, batch_size=300)
    with django_capture_on_commit_callbacks(execute=True):
        order_publish(actor=order.created_by, order_id=order.pk)
    assert [(n.kind, n.user_id) for n in outbox] == [("batch_published", fits.lead.pk)]
    assert "绳编腰带" in outbox[0].text
    assert "2 个批次" in outbox[0].text
    assert sorted(outbox[0].data["batch_ids"]) == sorted(order.batches.values_list("pk", flat=True))


def test_notices_wait_for_the_commit(outbox, django_capture_on_commit_callbacks):
    make_workshop()
    order = make_order()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_publish(actor=order.created_by, order_id=order.pk)
    assert outbox == []
    assert len(callbacks) == 2  # the leads' notices and the merchant's webhook event


def test_a_lead_is_warned_once_before_a_claim_expires(
    workshop, outbox, django_capture_on_commit_callbacks
):
    batch = claimed_batch(workshop)
    age_claim(batch, 50)  # 22 hours left, inside the 24-hour warning window
    with django_capture_on_commit_callbacks(execute=True):
        assert batch_claims_expire_task() == []
    with django_capture_on_commit_callbacks(execute=True):
        batch_claims_expire_task()
    assert [(n.kind, n.user_id) for n in outbox] == [("batch_claim_expiring", workshop.lead.pk)]
    assert "还未收到物料" in outbox[0].text
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CLAIMED
    assert batch.claim_warned_at is not None


def test_a_fresh_claim_gets_no_warning(workshop, outbox, django_capture_on_commit_callbacks):
    batch = claimed_batch(workshop)
    age_claim(batch, 10)
    with django_capture_on_commit_callbacks(execute=True):
        batch_claims_expire_task()
    assert outbox == []
    batch.refresh_from_db()
    assert batch.claim_warned_at is None


def test_reopening_clears_the_warning_so_the_next_claim_is_warned_again(workshop):
    batch = claimed_batch(workshop)
    age_claim(batch, 60)
    batch_claims_expire_task()
    batch.refresh_from_db()
    assert batch.claim_warned_at is not None
    age_claim(batch, 80)
    assert batch_claims_expire_task() == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.claim_warned_at) == ("open", None)
