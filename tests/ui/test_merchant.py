"""Merchant: publish an order with the fair-pay hint, see it split into batches and followed."""

from decimal import Decimal

from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from orders.models import Order
from tests.factories import make_skill, make_user


def test_merchant_publishes_an_order_and_sees_it_split_into_batches(page, site, sign_in, shot):
    merchant = make_user(User.Role.MERCHANT, display_name="金盛饰品")
    make_skill("raoxian", "绕线")

    sign_in(page, merchant)
    expect(page.locator("h1")).to_contain_text("我的订单")
    page.click("nav.tabs >> text=发布订单")
    page.fill("input[name=product_name]", "流苏挂饰")
    page.check("input[name=required_skills][value=raoxian]")
    page.fill("input[name=quantity]", "1050")
    page.fill("input[name=batch_size]", "500")
    page.fill("input[name=fee_per_piece]", "0.60")
    page.fill("input[name=standard_minutes]", "1.5")
    # The hint comes back while typing (htmx): 0.60 × 60 / 1.5 = ¥24.00 per hour.
    expect(page.locator("#fair-pay")).to_contain_text("折合约 ¥24.00/小时")
    shot(page, "merchant", "publish")
    page.click("button:text-is('发布并拆分批次')")

    expect(page.locator(".msg-success")).to_have_text("订单已发布，拆成 3 个批次，等待工坊认领。")
    order = Order.objects.get(product_name="流苏挂饰")
    assert order.status == Order.Status.PUBLISHED
    assert list(order.batches.order_by("number").values_list("quantity", flat=True)) == [
        500,
        500,
        50,
    ]
    expect(page.locator("table.batches tbody tr")).to_have_count(3)
    expect(page.locator("svg.chart")).to_contain_text("1050件")
    shot(page, "merchant", "order")

    page.click("nav.tabs >> text=我的订单")
    expect(page.locator(".card")).to_contain_text("流苏挂饰")
    shot(page, "merchant", "orders")


def test_a_fee_below_the_minimum_wage_needs_an_acknowledgement_and_saves_nothing_before(db):
    from orders.services import minimum_wage_record

    operator = make_user(User.Role.OPERATOR)
    minimum_wage_record(
        actor=operator,
        province="浙江",
        hourly=Decimal("26.0"),
        effective_from=timezone.localdate().replace(day=1),
        source="测试",
    )
    merchant = make_user(User.Role.MERCHANT)
    client = Client()
    client.force_login(merchant)
    form = {
        "product_name": "低价挂饰",
        "quantity": "100",
        "batch_size": "100",
        "fee_per_piece": "0.10",
        "standard_minutes": "2",
        "deadline": str(timezone.localdate().replace(year=timezone.localdate().year + 1)),
        "aql": "2.5",
        "inspection_level": "II",
    }
    response = client.post("/shop/orders/new/", form)
    assert response.status_code == 200
    assert "折合时薪低于当地最低小时工资" in response.content.decode()
    assert not Order.objects.exists()

    response = client.post("/shop/orders/new/", {**form, "acknowledge_below_minimum_wage": "on"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.fair_pay_acknowledged_by == merchant


def test_a_merchant_cannot_open_another_merchants_order(db):
    from .factories import make_published_order

    make_skill("raoxian")
    order = make_published_order(make_user(User.Role.MERCHANT))
    client = Client()
    client.force_login(make_user(User.Role.MERCHANT))
    assert client.get(f"/shop/orders/{order.pk}/").status_code == 404


def test_the_order_page_charts_defects_by_kind_and_first_pass_yield(db):
    from quality.services import DefectIn, lot_inspect
    from tests.factories import make_household, make_workshop

    from .factories import hand_out_and_back, make_batch_in_production, make_finished_lot

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma = make_household(workshop, name="卓玛家")
    batch = make_batch_in_production(workshop, quantity=500)
    hand_out_and_back(batch, {zhuoma: 500})
    lot = make_finished_lot(batch, {zhuoma: 500})
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    lot_inspect(
        actor=checker,
        code=lot.code,
        defects=[DefectIn(kind="stain", defect_class="minor", count=2)],
    )
    client = Client()
    client.force_login(batch.order.created_by)
    page = client.get(f"/shop/orders/{batch.order.pk}/").content.decode()
    assert "缺陷类型" in page and "污渍" in page and ">2件<" in page
    # 2 defectives in a sample of 50 (Ac 3): accepted, all 500 pieces passed first time.
    assert "各工坊一次交验合格率" in page and ">100%<" in page
    # Where the goods are: the batch's lot, its stage of custody and verdict.
    assert '<small class="hint lot">已检验 · 合格</small>' in page
