"""The workshop lead's whole job from the phone (issue 12), through the pages only after the
set-up: read a batch's spec and photo before claiming, claim it, the merchant packs its
materials (in its own browser), the lead scans them in and production starts, hands work to
one of two households of the same name, records a return and corrects it by a new entry.
Then the same pages in English, none of them wider than the phone."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from orders.models import Batch, Ticket, TicketReturn, TicketReturnCorrection
from quality.models import Lot, ScanEvent
from tests.factories import make_household, make_skill, make_user, make_workshop

from .factories import add_product_photo, make_published_order
from .test_layout import _problems

SPEC = "红黄双色绕线，每条 110 厘米，收口打死结。"


@pytest.fixture
def job(db):
    make_skill("raoxian", "绕线")
    workshop = make_workshop(name="丹巴县聂呷乡绳编共富工坊")
    near = make_household(workshop, name="卓玛家", village="聂呷村", phone="13800001111")
    far = make_household(workshop, name="卓玛家", village="甲居村", phone="13900002222")
    merchant = make_user(User.Role.MERCHANT, display_name="义乌小陈")
    order = make_published_order(merchant, quantity=100, batch_size=100, spec=SPEC)
    add_product_photo(order, size=(400, 300))
    return {
        "workshop": workshop,
        "near": near,
        "far": far,
        "merchant": merchant,
        "order": order,
        "batch": order.batches.get(),
    }


def _visible_above_the_nav(page, selector: str) -> None:
    """The element is inside the viewport, below its top and above the bottom navigation."""
    box = page.locator(selector).bounding_box()
    nav = page.locator("nav.tabs").bounding_box()
    viewport = page.viewport_size
    assert box is not None and nav is not None
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= nav["y"], (box, nav)
    assert nav["y"] + nav["height"] <= viewport["height"] + 1, nav


def test_a_lead_claims_after_reading_receives_materials_starts_and_corrects_a_return(
    page, browser, browser_context_args, site, sign_in, shot, job
):
    batch, order = job["batch"], job["order"]

    # 1. Read before claiming: spec, photo, hours, deadline.
    sign_in(page, job["workshop"].lead)
    page.locator(f"#batch-{batch.pk}").get_by_role("link", name="看规格、样品和物料").click()
    expect(page.locator(".spec")).to_have_text(SPEC)
    photo = page.locator(".photos img").first
    expect(photo).to_be_visible()
    page.wait_for_function("document.querySelector('.photos img').complete")
    assert page.evaluate("document.querySelector('.photos img').naturalWidth") > 0
    expect(page.locator(".work")).to_contain_text("约 3 小时")  # 100 × 2 minutes
    expect(page.locator(".work")).to_contain_text(order.deadline.strftime("%Y-%m-%d"))
    shot(page, "lead", "batch-before-claim")
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.OPEN

    # 2. Claim from there.
    page.click("button:text-is('认领')")
    expect(page.locator(".msg-success")).to_contain_text("认领成功")
    expect(page.locator(".msg-warning")).to_contain_text("等待送料")
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == (Batch.Status.CLAIMED, job["workshop"].pk)

    # 3. The merchant, on its own phone, packs the materials and prints the label.
    merchant_context = browser.new_context(**browser_context_args)
    merchant_page = merchant_context.new_page()
    sign_in(merchant_page, job["merchant"])
    merchant_page.goto(f"{site}/shop/orders/{order.pk}/")
    merchant_page.click("a:text-is('打包物料')")
    expect(merchant_page.locator("input[name=quantity]")).to_have_value("100")
    shot(merchant_page, "merchant", "materials")
    merchant_page.click("button:text-is('打包并生成标签')")
    expect(merchant_page.locator(".msg-success")).to_contain_text("已打包物料 100 件")
    code = merchant_page.locator(".label-sheet strong").inner_text()
    lot = Lot.objects.get()
    assert (lot.code, lot.kind, lot.quantity, lot.batch_id) == (code, "material", 100, batch.pk)
    merchant_context.close()

    # 4. The lead sees the lot on the batch page, then scans it in (typing the code).
    page.reload()
    expect(page.locator(f"#material-{code}")).to_contain_text("已打包")
    page.click("nav.tabs >> text=扫码")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.fill("#code", code)
    page.click("button:text-is('记录扫码')")
    result = page.locator("#scan-last")
    expect(result).to_contain_text(f"{code} · 已记录", timeout=10_000)
    _visible_above_the_nav(page, "#scan-last")
    shot(page, "lead", "scan-result")
    assert ScanEvent.objects.get().action == "received"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION

    # 5. Production: the ticket form, and the right one of the two 卓玛家.
    page.click("nav.tabs >> text=我的批次")
    page.click(f"a[href='/work/batches/{batch.pk}/']")
    expect(page.locator(f"#batch-{batch.pk} .pill")).to_have_text("生产中")
    far = job["far"]
    # Without the household's card (tests/ui/test_work_by_card.py), by the list.
    page.click("text=农户没带卡？按名单发活")
    page.select_option("select[name=household]", label=f"卓玛家 · {far.pk}号 · 甲居村 · 尾号2222")
    page.fill("#issue-by-name input[name=quantity]", "60")
    page.click("button:text-is('发放')")
    expect(page.locator(".msg-success")).to_have_text("已发给 卓玛家 60 件。")
    ticket = Ticket.objects.get()
    assert (ticket.household_id, ticket.issued) == (far.pk, 60)

    # 6. A return of 55, then "there were only 50": corrected by a new entry.
    card = page.locator(f"#ticket-{ticket.pk}")
    card.locator("input[name$=returned]").fill("55")
    card.locator("button:text-is('记录交回')").click()
    expect(page.locator(".msg-success")).to_have_text("已记录交回 55 件。")
    card.locator("summary:text-is('交回记错了？更正')").click()
    card.locator("select[name$=direction]").select_option("-")
    card.locator("input[name$=pieces]").fill("5")
    card.locator("input[name$=-reason]").fill("数错了，实交 50 件")
    shot(page, "lead", "correction")
    card.locator("button:text-is('记录更正')").click()
    expect(page.locator(".msg-success")).to_have_text("已更正交回件数 -5，原记录保留。")
    expect(card).to_contain_text("交回 50 / 60")
    expect(card.locator(".history .correction")).to_contain_text("更正 -5 件 · 数错了，实交 50 件")
    ticket.refresh_from_db()
    assert ticket.returned == 50
    assert list(TicketReturn.objects.values_list("ticket_id", "returned")) == [(ticket.pk, 55)]
    assert list(
        TicketReturnCorrection.objects.values_list("ticket_id", "returned_change", "reason")
    ) == [(ticket.pk, -5, "数错了，实交 50 件")]
    shot(page, "lead", "batch-corrected")


def test_the_lead_and_materials_pages_fit_the_phone_in_english(
    page, browser, browser_context_args, site, sign_in, shot, job
):
    from orders.services import batch_claim, ticket_issue, ticket_return_record
    from quality.services import lot_create

    batch, workshop = job["batch"], job["workshop"]
    open_paths = ["/work/", f"/work/batches/{batch.pk}/"]
    sign_in(page, workshop.lead)
    page.click("form.lang button")
    expect(page.locator("h1")).to_have_text("Work you can take")
    problems = {}
    for path in open_paths:
        page.goto(f"{site}{path}")
        problems[path] = {k: v for k, v in _problems(page).items() if v}
    expect(page.locator(".work")).to_contain_text("Minutes per piece")

    # Held, with a lot on its way, then in production with a corrected return.
    batch_claim(actor=workshop.lead, batch_id=batch.pk)
    lot_create(actor=job["merchant"], batch_id=batch.pk, kind="material", quantity=100)
    page.goto(f"{site}/work/batches/{batch.pk}/")
    expect(page.get_by_role("button", name="Materials received")).to_be_visible()
    problems["claimed"] = {k: v for k, v in _problems(page).items() if v}
    page.click("button:text-is('Materials received')")
    expect(page.locator(".msg-success")).to_contain_text("the batch has started")
    ticket, _ = ticket_issue(
        actor=workshop.lead, batch_id=batch.pk, household_id=job["near"].pk, quantity=60
    )
    ticket_return_record(actor=workshop.lead, ticket_id=ticket.pk, returned=55)
    page.reload()
    page.locator("summary:text-is('Return recorded wrong? Correct it')").click()
    problems["in production"] = {k: v for k, v in _problems(page).items() if v}
    shot(page, "lead", "batch-en")
    page.goto(f"{site}/scan/")
    problems["/scan/"] = {k: v for k, v in _problems(page).items() if v}

    merchant_context = browser.new_context(**browser_context_args)
    merchant_page = merchant_context.new_page()
    sign_in(merchant_page, job["merchant"])
    merchant_page.click("form.lang button")
    merchant_page.goto(f"{site}/shop/batches/{batch.pk}/materials/")
    expect(merchant_page.locator("h1")).to_have_text("Pack materials")
    problems["materials"] = {k: v for k, v in _problems(merchant_page).items() if v}
    shot(merchant_page, "merchant", "materials-en")
    merchant_context.close()
    assert not {where: found for where, found in problems.items() if found}, problems
