"""One order from publish to completed, through the pages only (issue 12), each person on their
own 360×740 phone in Chinese: the merchant publishes and packs the materials; the lead claims,
scans the materials in, hands work to two households, takes it back, packs and ships the lot;
the checker receives it, rejects it (the lead is told), and after the rework accepts it; the
merchant receives the goods and the order completes; the operator computes, approves and pays
the period; and a household opens its statement, whose figures add up on the page.

The set-up only makes the people (users, a workshop with two households); everything after it
is clicks and typing on the pages. The database is asserted at each hand-over."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import InboxItem, User
from orders.models import Batch, Order, Ticket
from payouts.models import PayoutPeriod, Statement
from quality.models import Inspection, Lot, LotDelivery, PieceOutcome
from tests.factories import make_household, make_skill, make_user, make_workshop

MONEY = re.compile(r"(-?)¥([\d,]+\.\d+)")
PART = re.compile(r"(\d+) 件 × ¥([\d.]+) = ¥([\d.]+)")


def money(text: str) -> list[Decimal]:
    return [
        Decimal(number.replace(",", "")) * (-1 if sign else 1)
        for sign, number in MONEY.findall(text)
    ]


@pytest.fixture
def people(db, monkeypatch):
    # The approval runs in the background; here in-process even when REDIS_URL names a broker
    # (a real worker round trip is tests/config/test_scale_out.py's and tests/jobs').
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    make_skill("raoxian", "绕线")
    workshop = make_workshop(name="丹巴县聂呷乡绳编共富工坊")
    return {
        "workshop": workshop,
        "zhuoma": make_household(workshop, name="卓玛家", phone="13800001111"),
        "lamu": make_household(workshop, name="拉姆家", phone="13900002222"),
        "merchant": make_user(User.Role.MERCHANT, display_name="义乌金盛饰品"),
        "checker": make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center),
        "operator": make_user(User.Role.OPERATOR, display_name="运营小王"),
    }


def test_an_order_runs_from_publish_to_completed_and_paid_through_the_pages(
    browser, browser_context_args, site, sign_in, shot, people
):
    def phone(user):
        context = browser.new_context(**browser_context_args)
        page = context.new_page()
        sign_in(page, user)
        return page

    workshop, zhuoma, lamu = people["workshop"], people["zhuoma"], people["lamu"]
    merchant = phone(people["merchant"])
    lead = phone(workshop.lead)
    checker = phone(people["checker"])

    # --- The merchant publishes: 100 pieces in one batch at ¥0.60. ---------------------------
    merchant.click("nav.tabs >> text=发布订单")
    merchant.fill("input[name=product_name]", "流苏挂饰")
    merchant.check("input[name=required_skills][value=raoxian]")
    merchant.fill("input[name=quantity]", "100")
    merchant.fill("input[name=batch_size]", "100")
    merchant.fill("input[name=fee_per_piece]", "0.60")
    merchant.fill("input[name=standard_minutes]", "1.5")
    merchant.click("button:text-is('发布并拆分批次')")
    expect(merchant.locator(".msg-success")).to_have_text(
        "订单已发布，拆成 1 个批次，等待工坊认领。"
    )
    order = Order.objects.get(product_name="流苏挂饰")
    batch = order.batches.get()
    assert (order.status, batch.status) == (Order.Status.PUBLISHED, Batch.Status.OPEN)

    # --- The lead claims it. -----------------------------------------------------------------
    lead.goto(f"{site}/work/")
    lead.locator(f"#batch-{batch.pk} button").click()
    expect(lead.locator(f"#batch-{batch.pk} .msg-success")).to_contain_text("认领成功")
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == (Batch.Status.CLAIMED, workshop.pk)

    # --- The merchant packs the materials; the lead scans them in: production starts. --------
    merchant.goto(f"{site}/shop/orders/{order.pk}/")
    merchant.click("a:text-is('打包物料')")
    merchant.click("button:text-is('打包并生成标签')")
    expect(merchant.locator(".msg-success")).to_contain_text("已打包物料 100 件")
    materials = merchant.locator(".label-sheet strong").inner_text()
    lead.click("nav.tabs >> text=扫码")
    lead.fill("#code", materials)
    lead.click("button:text-is('记录扫码')")
    expect(lead.locator("#scan-last")).to_contain_text(f"{materials} · 已记录", timeout=10_000)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION

    # --- Work out to two households and back. ------------------------------------------------
    lead.goto(f"{site}/work/batches/{batch.pk}/")
    for household, pieces in ((zhuoma, 60), (lamu, 40)):
        lead.click("text=农户没带卡？按名单发活")  # by the list (by card: test_work_by_card.py)
        lead.select_option("select[name=household]", value=str(household.pk))
        lead.fill("#issue-by-name input[name=quantity]", str(pieces))
        lead.click("button:text-is('发放')")
        expect(lead.locator(".msg-success")).to_have_text(f"已发给 {household.name} {pieces} 件。")
    for ticket in Ticket.objects.filter(batch=batch).order_by("pk"):
        card = lead.locator(f"#ticket-{ticket.pk}")
        card.locator("input[name$=returned]").fill(str(ticket.issued))
        card.locator("button:text-is('记录交回')").click()
        expect(lead.locator(".msg-success")).to_have_text(f"已记录交回 {ticket.issued} 件。")
    assert sorted(Ticket.objects.filter(batch=batch).values_list("returned", flat=True)) == [
        40,
        60,
    ]

    # --- Pack the finished lot and ship it. --------------------------------------------------
    lead.click("button:text-is('全部收齐，准备打包')")
    expect(lead.locator(".msg-success")).to_contain_text("全部收回")
    lead.click("text=打包成货批并打印标签")
    lead.click("button:text-is('打包并生成标签')")
    expect(lead.locator(".msg-success")).to_have_text("已打包 100 件。请打印标签贴在包上。")
    lot = Lot.objects.get(kind=Lot.Kind.FINISHED)
    assert dict(lot.shares.values_list("household__name", "quantity")) == {
        "卓玛家": 60,
        "拉姆家": 40,
    }

    def scan(page, action: str) -> None:
        page.goto(f"{site}/scan/")
        page.fill("#code", lot.code)
        page.select_option("select[name=action]", action)
        page.click("button:text-is('记录扫码')")
        expect(page.locator("#scan-last")).to_contain_text(f"{lot.code} · 已记录", timeout=10_000)

    def open_lot() -> None:
        checker.goto(f"{site}/scan/")
        checker.fill("#code", lot.code)
        checker.click("[data-open-lot]")
        expect(checker.locator("h1")).to_contain_text(lot.code)

    scan(lead, "shipped")
    scan(checker, "received")
    assert Lot.objects.get(pk=lot.pk).stage == Lot.Stage.RECEIVED

    # --- First inspection: 3 loose ends traced to 卓玛家 in a sample of 20 (Ac 1): rejected. --
    open_lot()
    expect(checker.locator("#plan")).to_have_text("抽检 20 件，不合格 ≤ 1 件接收")
    row = checker.locator("fieldset.defect").first
    row.locator("select[name$=kind]").select_option(label="线头")
    row.locator("input[name$=count]").fill("3")
    row.locator("select[name$=household]").select_option(label="卓玛家")
    checker.click("button:text-is('提交检验结果')")
    expect(checker.locator("#last-inspection")).to_contain_text("不合格，拒收")
    checker.check("input[name=disposition][value=rework]")
    checker.click("button:text-is('确认处置')")
    expect(checker.locator("#verdict")).to_have_text("返工中")
    first = Inspection.objects.get(lot=lot, round=1)
    assert (first.verdict, first.disposition) == ("rejected", "rework")
    assert not PieceOutcome.objects.exists()  # nothing is decided until the re-inspection

    # The lead is told, in its inbox, and the notice leads to the batch.
    lead.goto(f"{site}/inbox/")
    notice = lead.locator(".inbox-item").first
    expect(notice).to_contain_text(f"货批 {lot.code}")
    expect(notice).to_contain_text("已退回工坊返工")
    assert InboxItem.objects.filter(user=workshop.lead, kind="lot_rejected").count() == 1

    # --- Reworked, shipped again, re-inspected: accepted. ------------------------------------
    scan(lead, "shipped")
    scan(checker, "received")
    open_lot()
    checker.click("button:text-is('提交检验结果')")
    expect(checker.locator("#last-inspection")).to_contain_text("合格")
    expect(checker.locator("#verdict")).to_have_text("合格")
    outcomes = dict(PieceOutcome.objects.values_list("household__name", "accepted"))
    assert outcomes == {"卓玛家": 60, "拉姆家": 40}
    assert set(PieceOutcome.objects.values_list("is_rework", flat=True)) == {True}

    # --- The merchant receives the goods: the batch closes, the order completes. -------------
    merchant.click("nav.tabs >> text=收货")
    merchant.fill("#receive-code", lot.code)
    merchant.click("#receive-find-button")
    expect(merchant.locator("#receive-packed")).to_have_text("100")
    merchant.fill("#receive-received", "100")
    merchant.click("#receive-submit")
    expect(merchant.locator(".msg-success")).to_contain_text("订单已完成。")
    assert LotDelivery.objects.get(lot=lot).received == 100
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CLOSED
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED
    merchant.goto(f"{site}/shop/orders/{order.pk}/")
    expect(merchant.locator("#summary-status")).to_contain_text("已完成")
    expect(merchant.locator("#summary-accepted")).to_have_text("100 件")
    expect(merchant.locator("#summary-reached")).to_have_text("2 户 · 1 个工坊")
    shot(merchant, "journey", "order-completed")

    # --- The operator computes, approves and pays this month. --------------------------------
    operator = phone(people["operator"])
    today = timezone.localdate()
    operator.click("nav.tabs >> text=结算")
    operator.fill("input[name=name]", "本月加工费")
    operator.fill("input[name=starts_on]", f"{today:%Y-%m}-01")
    operator.fill("input[name=ends_on]", f"{today:%Y-%m-%d}")
    operator.click("button:text-is('新建')")
    operator.click("button:text-is('计算')")
    expect(operator.locator("#period-status")).to_have_text("已计算")
    # 100 pieces, all of them accepted after the rework (counted with the money they carry)
    expect(operator.locator("#period-pieces")).to_have_text(re.compile(r"^100\s+其中返工 100$"))
    operator.click("button:text-is('审核并锁定')")
    expect(operator.locator("#period-status")).to_have_text("已审核锁定")
    operator.fill("input[name=payment_reference]", "ICBC-20261129-007")
    operator.click("button:text-is('记录已发放')")
    expect(operator.locator("#period-status")).to_have_text("已发放")
    period = PayoutPeriod.objects.get(name="本月加工费")
    assert (period.status, period.payment_reference) == ("paid", "ICBC-20261129-007")
    statements = {s.household.name: s for s in Statement.objects.filter(period=period)}
    assert set(statements) == {"卓玛家", "拉姆家"}

    # --- 卓玛家 opens its statement (no login): the figures add up on the page. ---------------
    household = browser.new_context(**browser_context_args).new_page()
    household.goto(f"{site}/s/{statements['卓玛家'].token}/")
    expect(household.locator("h1")).to_have_text("卓玛家")
    exact = Decimal(0)
    pieces = 0
    for text in household.locator(".part").all_inner_texts():
        count, fee, amount = PART.search(text).groups()
        assert int(count) * Decimal(fee) == Decimal(amount), text
        pieces += int(count)
        exact += Decimal(amount)
    assert pieces == 60  # every piece of hers, accepted after the rework
    gross = money(household.locator(".gross").inner_text())[0]
    assert exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == gross
    shares = [money(t)[0] for t in household.locator(".share").all_inner_texts()]
    net = money(household.locator(".net").inner_text())[0]
    assert gross + sum(shares) == net
    total = money(household.locator("#statement-total").inner_text())[0]
    assert total == net and total * 100 == statements["卓玛家"].total_fen > 0
    shot(household, "journey", "household-statement")
