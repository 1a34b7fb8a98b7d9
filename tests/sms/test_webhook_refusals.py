"""A refused post (bad signature, stale timestamp, replay, over the rate) changes nothing: no
log row, no claim, no reply sent."""

import json
import time

import pytest

from orders.models import Batch, BatchEvent
from sms.gateway import INBOUND_PATH, signed_headers
from sms.models import SmsMessage
from tests.orders.factories import first_batch, make_published_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimable(lead):
    lead.phone = "13900000011"
    lead.save(update_fields=["phone"])
    return first_batch(make_published_order(quantity=300, batch_size=300))


def _claim_payload(batch, message_id="m-1"):
    return {"id": message_id, "number": "13900000011", "text": f"接 {batch.pk}"}


def _nothing_changed(batch, outbox):
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN
    assert not SmsMessage.objects.exists()
    assert outbox == []


def test_a_wrong_signature_is_401_and_changes_nothing(gateway, outbox, claimable):
    answer = gateway.post(
        INBOUND_PATH,
        _claim_payload(claimable),
        headers=lambda body: signed_headers(body, secret="not-our-secret"),
    )
    assert (answer.status, answer.body["code"]) == (401, "sms_signature_invalid")
    _nothing_changed(claimable, outbox)


def test_a_body_changed_after_signing_is_401(gateway, outbox, claimable):
    signed = json.dumps(_claim_payload(claimable)).encode()
    answer = gateway.post(
        INBOUND_PATH,
        {**_claim_payload(claimable), "text": "放 1"},
        headers=lambda _body: signed_headers(signed),
    )
    assert (answer.status, answer.body["code"]) == (401, "sms_signature_invalid")
    _nothing_changed(claimable, outbox)


def test_no_signature_is_401(gateway, outbox, claimable):
    answer = gateway.post(INBOUND_PATH, _claim_payload(claimable), headers=lambda _b: {})
    assert (answer.status, answer.body["code"]) == (401, "sms_signature_invalid")
    _nothing_changed(claimable, outbox)


def test_a_stale_timestamp_is_401_even_when_signed(gateway, outbox, claimable):
    old = int(time.time()) - 301
    answer = gateway.post(
        INBOUND_PATH,
        _claim_payload(claimable),
        headers=lambda body: signed_headers(body, timestamp=old),
    )
    assert (answer.status, answer.body["code"]) == (401, "sms_timestamp_stale")
    _nothing_changed(claimable, outbox)


def test_a_replayed_message_is_409_and_runs_nothing_twice(gateway, outbox, claimable):
    first = gateway.post(INBOUND_PATH, _claim_payload(claimable))
    assert first.status == 200, first.body
    rows = SmsMessage.objects.count()
    again = gateway.post(INBOUND_PATH, _claim_payload(claimable))
    assert (again.status, again.body["code"]) == (409, "sms_replayed")
    assert SmsMessage.objects.count() == rows == 2  # the text and its one reply
    assert BatchEvent.objects.filter(batch=claimable, to_status="claimed").count() == 1


def test_a_number_over_its_rate_is_429_and_changes_nothing(gateway, outbox, claimable, settings):
    settings.SMS_INBOUND_RATE = "2/d"
    for n in range(2):
        assert gateway.text("13900000011", "查", message_id=f"q-{n}").status == 200
    rows = SmsMessage.objects.count()
    sent = len(outbox)
    answer = gateway.post(INBOUND_PATH, _claim_payload(claimable, "m-over"))
    assert (answer.status, answer.body["code"]) == (429, "sms_rate_limited")
    claimable.refresh_from_db()
    assert claimable.status == Batch.Status.OPEN
    assert SmsMessage.objects.count() == rows
    assert len(outbox) == sent
    # Another number is not held back by it.
    assert gateway.text("13900000012", "查").status == 200


def test_unsigned_posts_do_not_use_up_a_numbers_allowance(gateway, claimable, settings):
    settings.SMS_INBOUND_RATE = "1/d"
    for _ in range(3):
        gateway.post(INBOUND_PATH, _claim_payload(claimable), headers=lambda _b: {})
    assert gateway.post(INBOUND_PATH, _claim_payload(claimable)).status == 200
