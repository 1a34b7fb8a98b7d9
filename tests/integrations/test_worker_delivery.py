"""A delivery sent on commit goes through Redis to a real Celery worker process, which signs
it and posts it to the loopback receiver."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from integrations.models import WebhookDelivery
from integrations.webhooks import webhook_endpoint_create
from orders.services import order_publish
from tests.orders.factories import make_order

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL on PostgreSQL and REDIS_URL (CI runs it)")
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "0",
        "SHOUCHUANG_TEST_PRIVATE_WEBHOOKS": "1",  # the receiver is on the loopback
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--loglevel=INFO", "--without-gossip", "--without-mingle",
         "-n", f"webhooks-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_real_worker_delivers_the_signed_event(worker, merchant, receiver):
    endpoint, _secret = webhook_endpoint_create(
        actor=merchant, url=receiver.url, events=["order.published"]
    )
    order = make_order(merchant)
    order_publish(actor=merchant, order_id=order.pk, acknowledge_below_minimum_wage=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.filter(endpoint=endpoint).first()
        if delivery is not None and delivery.status == WebhookDelivery.Status.SUCCEEDED:
            break
        time.sleep(0.2)
    else:
        worker.terminate()
        raise AssertionError("no delivery; the worker's log:\n" + worker.communicate(timeout=20)[0])
    assert len(receiver.received) == 1
    assert receiver.received[0]["headers"]["Shouchuang-Signature"].startswith("t=")
    assert (delivery.attempts, delivery.response_code) == (1, 200)
