"""Each app emits its events on commit, with its own payload, to the order's merchant."""

import json
import uuid
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from integrations.webhooks import webhook_endpoint_create
from orders.models import Batch, Order
from orders.services import batch_claim, order_complete_if_done
from tests.orders.factories import first_batch, make_published_order
from tests.payouts.factories import make_households, make_outcome
from tests.payouts.factories import make_order as make_payout_order
from tests.quality.factories import inspect, lot_with_households


def subscribe(merchant: User, receiver, *events: str) -> None:
    webhook_endpoint_create(actor=merchant, url=receiver.url, events=list(events))


def bodies(receiver) -> list[dict]:
    return [json.loads(r["body"]) for r in receiver.received]


def test_claim_sends_batch_claimed_naming_the_workshop_not_a_person(
    merchant, workshop, receiver, tasks
):
    subscribe(merchant, receiver, "batch.claimed")
    order = make_published_order(merchant)
    batch = batch_claim(actor=workshop.lead, batch_id=first_batch(order).pk)
    tasks.run()
    [body] = bodies(receiver)
    assert body["type"] == "batch.claimed"
    assert body["data"]["batch_id"] == batch.pk and body["data"]["order_id"] == order.pk
    assert body["data"]["workshop"] == workshop.organisation.name
    assert workshop.lead.username not in json.dumps(body, ensure_ascii=False)


def test_shipping_scan_sends_lot_shipped_once_and_inspection_sends_its_verdict(
    api, workshop, lead, checker, receiver, tasks
):
    lot, _households = lot_with_households(workshop, [10])
    merchant = lot.batch.order.created_by
    subscribe(merchant, receiver, "lot.shipped", "lot.inspected")
    scan = {
        "key": str(uuid.uuid4()),
        "code": lot.code,
        "action": "shipped",
        "device_time": (timezone.now() - timedelta(minutes=5)).isoformat(),
    }
    api.as_user(lead)
    assert api.post("/scans", scan).status_code == 201
    assert api.post("/scans", scan).status_code == 200  # the phone sends it again
    tasks.run()
    inspect(lot, checker)
    tasks.run()
    shipped, inspected = bodies(receiver)
    assert (shipped["type"], shipped["data"]["code"], shipped["data"]["kind"]) == (
        "lot.shipped",
        lot.code,
        "finished",
    )
    assert inspected["type"] == "lot.inspected"
    assert inspected["data"]["verdict"] == "accepted"
    assert inspected["data"]["code"] == lot.code and inspected["data"]["round"] == 1


def test_order_completed_is_sent_when_its_last_batch_closes(merchant, workshop, receiver, tasks):
    subscribe(merchant, receiver, "order.completed")
    order = make_published_order(merchant, quantity=300, batch_size=300)
    Batch.objects.filter(order=order).update(
        status=Batch.Status.CLOSED, workshop=workshop, claimed_by=workshop.lead
    )
    assert order_complete_if_done(order_id=order.pk, actor=None)
    tasks.run()
    [body] = bodies(receiver)
    assert body["type"] == "order.completed" and body["data"]["order_id"] == order.pk
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED


def test_payout_approved_tells_each_merchant_what_it_owes(operator, workshop, receiver, tasks):
    from payouts.services import period_approve, period_compute, period_create

    order = make_payout_order(fee="0.3500")
    merchant = order.created_by
    subscribe(merchant, receiver, "payout.approved")
    for household, pieces in zip(make_households(workshop, 2), (100, 7), strict=True):
        make_outcome(household, order, accepted=pieces)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    period_approve(period_id=period.pk, actor=operator)
    tasks.run()
    [body] = bodies(receiver)
    assert body["type"] == "payout.approved"
    assert body["data"]["period_id"] == period.pk
    assert body["data"]["orders"] == [
        {"order_id": order.pk, "accepted_pieces": 107, "owed": body["data"]["owed"]}
    ]
    assert body["data"]["owed"] == "37.45"  # 107 × 0.35
