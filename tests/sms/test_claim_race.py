"""An SMS claim and an app claim racing for one batch, on PostgreSQL with real threads: exactly
one wins, and the loser is told why (the SMS reply, or the API's 409 code)."""

import threading

import pytest
from django.db import connection

from orders.models import Batch, BatchEvent
from sms.gateway import FakeGateway
from sms.models import SmsMessage
from tests.conftest import ApiClient
from tests.orders.factories import first_batch, make_published_order

from ..factories import make_workshop

ROUNDS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_sms_claim_racing_an_app_claim_has_one_winner_and_the_loser_is_told_why(outbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    by_sms, by_app = make_workshop(), make_workshop()
    by_sms.lead.phone = "13900000021"
    by_sms.lead.save(update_fields=["phone"])
    winners = []
    for round_number in range(ROUNDS):
        batch = first_batch(make_published_order(quantity=300, batch_size=300))
        barrier = threading.Barrier(2)
        results: dict[str, tuple] = {}

        def text(batch_id=batch.pk, n=round_number, results=results, barrier=barrier) -> None:
            try:
                barrier.wait()
                answer = FakeGateway().text("13900000021", f"接 {batch_id}", message_id=f"r{n}")
                results["sms"] = (answer.status, answer.body["status"], answer.reply)
            finally:
                connection.close()

        def tap(batch_id=batch.pk, results=results, barrier=barrier) -> None:
            try:
                client = ApiClient().as_user(by_app.lead)
                barrier.wait()
                response = client.post(f"/batches/{batch_id}/claim")
                results["app"] = (response.status_code, response.json().get("code"))
            finally:
                connection.close()

        threads = [threading.Thread(target=text), threading.Thread(target=tap)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        batch.refresh_from_db()
        assert BatchEvent.objects.filter(batch=batch, to_status="claimed").count() == 1
        assert results["sms"][0] == 200, results
        if batch.workshop_id == by_sms.pk:
            winners.append("sms")
            assert results["sms"][1] == "done", results
            assert results["app"] == (409, "batch_already_claimed"), results
        else:
            winners.append("app")
            assert batch.workshop_id == by_app.pk
            assert results["app"][0] == 200, results
            assert results["sms"][1] == "refused", results
            assert results["sms"][2] == f"批次 {batch.pk} 未能认领：该批次已被其他工坊认领。"
            inbound = SmsMessage.objects.get(gateway_id=f"r{round_number}")
            assert inbound.detail == {"code": "batch_already_claimed", "batch_id": batch.pk}
        assert batch.status == Batch.Status.CLAIMED
    # Every text was answered, whoever won (the reply went out after each commit).
    assert len([n for n in outbox if n.kind == "sms_reply"]) == ROUNDS
    assert len(winners) == ROUNDS
