"""A lead on a feature phone: 查 lists the best claimable batches, 接 claims, 放 releases, through
the same services (and refusals) as the app."""

import pytest

from orders.models import Batch, BatchEvent
from sms.models import SmsMessage
from tests.orders.factories import first_batch, make_published_order

from ..factories import make_household, make_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_phone(lead):
    lead.phone = "13900000001"
    lead.save(update_fields=["phone"])
    return "+8613900000001"


def test_cha_lists_the_five_best_claimable_batches(gateway, workshop, lead_phone):
    cheap = make_published_order(quantity=600, batch_size=100, fee="0.30", product_name="流苏")
    best = make_published_order(quantity=100, batch_size=100, fee="0.90", product_name="腰带")
    answer = gateway.text(lead_phone, "查")
    lines = answer.reply.split("\n")
    assert lines[0] == "可认领批次（回复“接 批次码”认领）："
    batch = first_batch(best)
    deadline = batch.order.deadline.strftime("%m-%d")
    assert lines[1] == f"{batch.pk}：腰带，100 件，0.9 元/件，{deadline} 前交货"
    assert len(lines) == 6  # the best five: one of the 0.90 order, then four of the six cheap
    listed = SmsMessage.objects.get(direction="in").detail["batch_ids"]
    assert listed == [batch.pk, *[b.pk for b in cheap.batches.order_by("number")[:4]]]


def test_cha_with_nothing_claimable_says_so(gateway, lead_phone):
    assert gateway.text(lead_phone, "查").reply == "现在没有您的工坊可认领的批次。"


def test_jie_claims_for_the_leads_workshop_as_the_app_does(gateway, workshop, lead, lead_phone):
    batch = first_batch(make_published_order(quantity=300, batch_size=300))
    answer = gateway.text(lead_phone, f"接 {batch.pk}")
    assert answer.body["status"] == "done"
    assert answer.reply.startswith(f"已认领批次 {batch.pk}（绳编腰带，300 件）。")
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id, batch.claimed_by_id) == (
        "claimed",
        workshop.pk,
        lead.pk,
    )
    assert BatchEvent.objects.filter(batch=batch, to_status="claimed", actor=lead).count() == 1


def test_a_refused_claim_says_why_and_changes_nothing(gateway, lead_phone):
    # The order needs a skill this workshop lacks: the app's refusal, word for word.
    batch = first_batch(make_published_order(skills=("zhenzhi",)))
    answer = gateway.text(lead_phone, f"接{batch.pk}")
    inbound = SmsMessage.objects.get(direction="in")
    assert (inbound.status, inbound.detail["batch_id"]) == ("refused", batch.pk)
    assert answer.reply.startswith(f"批次 {batch.pk} 未能认领：")
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN


def test_fang_releases_a_claimed_batch(gateway, workshop, lead_phone):
    batch = first_batch(make_published_order(quantity=300, batch_size=300))
    gateway.text(lead_phone, f"接 {batch.pk}")
    answer = gateway.text(lead_phone, f"放 {batch.pk}")
    assert answer.reply == f"已退回批次 {batch.pk}，它重新开放认领。"
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == ("open", None)


def test_fang_on_another_workshops_batch_is_refused(gateway, lead_phone):
    other = make_workshop()
    batch = first_batch(make_published_order(quantity=300, batch_size=300))
    other_phone = "13900000002"
    other.lead.phone = other_phone
    other.lead.save(update_fields=["phone"])
    gateway.text(other_phone, f"接 {batch.pk}")
    answer = gateway.text(lead_phone, f"放 {batch.pk}")
    assert SmsMessage.objects.filter(direction="in").first().status == "refused"
    assert answer.reply.startswith(f"批次 {batch.pk} 未能退回：")
    batch.refresh_from_db()
    assert batch.workshop_id == other.pk


def test_a_batch_code_that_is_not_digits_is_explained(gateway, lead_phone):
    answer = gateway.text(lead_phone, "接 ABC")
    assert answer.reply == "批次码应为数字，例如“接 1024”。发“查”看可认领的批次。"


def test_a_households_number_may_not_claim(gateway, workshop):
    make_household(workshop, phone="13812349999")
    batch = first_batch(make_published_order(quantity=300, batch_size=300))
    answer = gateway.text("13812349999", f"接 {batch.pk}")
    assert answer.body["status"] == "unknown_sender"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN
