"""Goods received, through the pages only: the merchant types a lot's code on its phone, counts
a shortfall with a reason, and sees the batch closed, the order completed and the summary."""

import json

import pytest
from playwright.sync_api import expect

from orders.models import Batch, Order, OrderEvent
from quality.models import Lot, LotDelivery
from tests.factories import make_user, make_workshop
from tests.quality.loop_factories import accepted_lot
from tests.ui.test_layout import _problems


@pytest.fixture
def goods(transactional_db):
    workshop = make_workshop(name="丹巴县聂呷乡绳编共富工坊")
    checker = make_user("checker", organisation=workshop.organisation.service_center)
    lot, _households = accepted_lot(workshop, checker, pieces=(60, 40), fee="0.35")
    return lot


def test_merchant_receives_a_lot_with_a_shortfall_and_sees_the_order_completed(
    page, site, sign_in, shot, goods
):
    lot = goods
    merchant = lot.batch.order.created_by
    sign_in(page, merchant)
    page.click("nav.tabs >> text=收货")
    expect(page.locator("h1")).to_have_text("收货")
    expect(page.locator("#receive-waiting")).to_contain_text(lot.code)

    page.fill("#receive-code", lot.code.lower())  # typed, in lower case
    page.click("#receive-find-button")
    expect(page.locator("#receive-packed")).to_have_text("100")
    page.fill("#receive-received", "97")
    page.click("#receive-submit")
    expect(page.locator("#receive-error")).to_contain_text("请写明原因")
    assert not LotDelivery.objects.exists()
    shot(page, "merchant", "receive-reason")

    page.fill("#receive-reason", "运输途中丢失 3 件")
    page.click("#receive-submit")
    expect(page.locator(".msg-success")).to_contain_text(
        f"已收货 {lot.code}：应收 100 件，实收 97 件。 批次 #1 已完结。 订单已完成。"
    )
    expect(page.locator("#receive-waiting")).to_contain_text("没有等待收货的货批")
    shot(page, "merchant", "receive-done")

    delivery = LotDelivery.objects.get()
    assert (delivery.lot_id, delivery.packed, delivery.received) == (lot.pk, 100, 97)
    assert (delivery.reason, delivery.received_by) == ("运输途中丢失 3 件", merchant)
    assert Lot.objects.get(pk=lot.pk).stage == Lot.Stage.DELIVERED
    assert Batch.objects.get(pk=lot.batch_id).status == Batch.Status.CLOSED
    assert Order.objects.get(pk=lot.batch.order_id).status == Order.Status.COMPLETED
    assert OrderEvent.objects.get().actor == merchant

    page.click("#receive-recent a")
    summary = page.locator("#order-summary")
    expect(summary).to_contain_text("完成小结")
    expect(page.locator("#summary-status")).to_contain_text("已完成")
    expect(page.locator("#summary-accepted")).to_have_text("100 件")
    expect(page.locator("#summary-lost")).to_have_text("3 件")
    expect(page.locator("#summary-fpy")).to_have_text("100%")
    expect(page.locator("#summary-on-time")).to_contain_text("100%")
    expect(page.locator("#summary-owed")).to_have_text("¥35.00")
    expect(page.locator("#summary-reached")).to_have_text("2 户 · 1 个工坊")
    shot(page, "merchant", "order-summary")


def test_the_receive_page_and_summary_fit_the_phone_in_english(page, site, sign_in, goods):
    lot = goods
    sign_in(page, lot.batch.order.created_by)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    problems = {}
    for path in [
        "/shop/receive/",
        f"/shop/receive/?code={lot.code}",
        f"/shop/orders/{lot.batch.order_id}/",
    ]:
        assert page.goto(f"{site}{path}").status == 200
        found = {kind: items for kind, items in _problems(page).items() if items}
        if found:
            problems[path] = found
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
