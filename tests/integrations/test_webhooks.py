import itertools
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.events import ORDER_PUBLISHED
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.signing import signature
from integrations.webhooks import (
    webhook_deliveries_due,
    webhook_delivery_attempt,
    webhook_endpoint_create,
)
from orders.services import order_publish
from tests.orders.factories import make_order

Status = WebhookDelivery.Status


def register(merchant, url, events=(ORDER_PUBLISHED,)):
    return webhook_endpoint_create(actor=merchant, url=url, events=list(events))


def publish(merchant, tasks):
    order = make_order(merchant)
    order_publish(actor=merchant, order_id=order.pk, acknowledge_below_minimum_wage=True)
    tasks.run()
    return order


def signed(received, secret):
    header = received["headers"]["Shouchuang-Signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    return fields["v1"] == signature(
        secret=secret, timestamp=int(fields["t"]), body=received["body"]
    )


def test_published_order_is_delivered_signed_to_the_loopback_receiver(merchant, receiver, tasks):
    endpoint, secret = register(merchant, receiver.url)
    order = publish(merchant, tasks)
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert signed(delivery, secret)
    assert not signed(delivery, secret + "x")
    body = json.loads(delivery["body"])
    assert body["type"] == "order.published"
    assert body["data"]["order_id"] == order.pk
    assert body["data"]["fee_per_piece"] == "0.50"
    assert body["data"]["batches"] == order.batches.count()
    assert delivery["headers"]["Shouchuang-Event"] == "order.published"
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (row.status, row.response_code, row.attempts) == (Status.SUCCEEDED, 200, 1)
    assert delivery["headers"]["Shouchuang-Delivery"] == str(row.event_id)


def test_endpoint_not_subscribed_or_another_merchants_gets_nothing(merchant, receiver, tasks):
    register(merchant, receiver.url, events=["lot.shipped"])
    from tests.factories import make_user

    other = make_user(merchant.role)
    register(other, receiver.url)
    publish(merchant, tasks)
    assert receiver.received == []
    assert WebhookDelivery.objects.count() == 0


def test_nothing_is_delivered_for_a_rolled_back_publish(merchant, receiver, tasks):
    register(merchant, receiver.url)
    order = make_order(merchant)
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            order_publish(actor=merchant, order_id=order.pk, acknowledge_below_minimum_wage=True)
            raise RuntimeError
    tasks.run()
    assert receiver.received == []
    assert WebhookDelivery.objects.count() == 0


def test_failing_endpoint_is_retried_with_backoff_and_switched_off(
    merchant, receiver, tasks, settings
):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 4
    receiver.statuses = [500]
    endpoint, _secret = register(merchant, receiver.url)
    publish(merchant, tasks)  # the first attempt, sent on commit
    delivery = WebhookDelivery.objects.get()
    attempted_at = [delivery.created_at]  # the first attempt ran on commit, just after
    while delivery.status == Status.PENDING:
        too_early = delivery.next_attempt_at - timedelta(seconds=1)
        not_yet = webhook_delivery_attempt(delivery_id=delivery.pk, now=too_early)
        assert not_yet.attempts == delivery.attempts  # not due: nothing sent
        attempted_at.append(delivery.next_attempt_at)
        delivery = webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    gaps = [round((b - a).total_seconds()) for a, b in itertools.pairwise(attempted_at)]
    assert gaps == [30, 60, 120]  # 30 s × 2^(n−1) after the n-th failure
    assert delivery.status == Status.FAILED
    assert (delivery.attempts, delivery.response_code) == (4, 500)
    assert len(receiver.received) == 4
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.consecutive_failures == 4
    assert endpoint.disabled_at is not None


def test_endpoint_switched_off_receives_nothing_more(merchant, receiver, tasks, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1
    receiver.statuses = [500]
    endpoint, _secret = register(merchant, receiver.url)
    publish(merchant, tasks)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    publish(merchant, tasks)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.count() == 1


def test_success_resets_the_failure_count(merchant, receiver, tasks):
    receiver.statuses = [503, 200]
    endpoint, _secret = register(merchant, receiver.url)
    publish(merchant, tasks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING
    delivery = webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert (delivery.status, delivery.attempts) == (Status.SUCCEEDED, 2)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_attempting_a_delivered_delivery_again_sends_nothing(merchant, receiver, tasks):
    register(merchant, receiver.url)
    publish(merchant, tasks)
    delivery = WebhookDelivery.objects.get()
    again = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert (again.status, again.attempts) == (Status.SUCCEEDED, 1)
    assert len(receiver.received) == 1


def test_an_attempt_whose_worker_died_is_taken_up_after_its_lease(merchant, receiver, tasks):
    endpoint, _secret = register(merchant, receiver.url)
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=ORDER_PUBLISHED,
        event_id="7d3f2c1e-0000-4000-8000-000000000001",
        payload={"id": "x", "type": ORDER_PUBLISHED, "created_at": "", "data": {}},
        status=Status.SENDING,
        attempts=1,
        lease_until=now + timedelta(seconds=60),
    )
    assert webhook_deliveries_due(now=now) == []
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=now).attempts == 1
    assert receiver.received == []
    later = now + timedelta(seconds=61)
    assert webhook_deliveries_due(now=later) == [delivery.pk]
    done = webhook_delivery_attempt(delivery_id=delivery.pk, now=later)
    assert (done.status, done.attempts) == (Status.SUCCEEDED, 2)
    assert len(receiver.received) == 1


def test_replay_sends_the_same_event_again_as_a_new_delivery(api, merchant, receiver, tasks):
    register(merchant, receiver.url)
    publish(merchant, tasks)
    original = WebhookDelivery.objects.get()
    response = api.as_user(merchant).post(f"/webhooks/deliveries/{original.pk}/replay")
    assert response.status_code == 201, response.content
    tasks.run()
    replay = WebhookDelivery.objects.get(replay_of=original)
    assert replay.event_id == original.event_id and replay.status == Status.SUCCEEDED
    assert [json.loads(r["body"])["id"] for r in receiver.received] == [str(original.event_id)] * 2
    log = api.get(f"/webhooks/{original.endpoint_id}/deliveries").json()["items"]
    assert [d["id"] for d in log] == [replay.pk, original.pk]
    assert log[1]["response_code"] == 200 and log[1]["attempts"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/hook",
        "http://localhost:8000/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
    ],
)
def test_private_and_loopback_urls_are_refused_at_registration(api, merchant, url):
    response = api.as_user(merchant).post("/webhooks", {"url": url, "events": [ORDER_PUBLISHED]})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "webhook_url_not_allowed"
    assert WebhookEndpoint.objects.count() == 0


def test_a_url_that_turned_private_is_not_called(merchant, receiver, tasks, settings):
    endpoint, _secret = register(merchant, receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False  # as in production
    publish(merchant, tasks)
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == Status.PENDING and delivery.response_code is None
    assert "内网" in delivery.last_error or "private" in delivery.last_error.lower()


def test_redirects_are_not_followed(merchant, receiver, tasks):
    receiver.statuses = [302]
    register(merchant, receiver.url)
    publish(merchant, tasks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == (Status.PENDING, 302)
    assert len(receiver.received) == 1


def test_registration_via_the_api_shows_the_secret_once(api, merchant, receiver):
    response = api.as_user(merchant).post(
        "/webhooks", {"url": receiver.url, "events": ["order.published", "lot.inspected"]}
    )
    assert response.status_code == 201, response.content
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    listed = api.get("/webhooks").json()["items"]
    assert "secret" not in listed[0]
    assert listed[0]["events"] == ["lot.inspected", "order.published"]
    unknown = api.post("/webhooks", {"url": receiver.url, "events": ["order.eaten"]})
    assert unknown.status_code == 400 and unknown.json()["code"] == "webhook_unknown_event"
