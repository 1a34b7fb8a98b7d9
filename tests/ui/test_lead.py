"""Workshop lead: claim a batch with one tap (and hear plainly when someone was faster),
hand pieces to households and record what came back."""

from playwright.sync_api import expect

from accounts.models import User
from orders.models import Batch, Ticket
from orders.services import batch_claim, batch_start_production
from tests.factories import make_household, make_skill, make_user, make_workshop

from .factories import add_product_photo, make_published_order


def test_lead_claims_a_batch_issues_pieces_and_records_returns(page, site, sign_in, shot):
    workshop = make_workshop()
    rival = make_workshop(service_center=workshop.organisation.service_center)
    zhuoma = make_household(workshop, name="卓玛家")
    make_household(workshop, name="拉姆家")
    order = make_published_order(make_user(User.Role.MERCHANT), quantity=200, batch_size=100)
    add_product_photo(order)
    first, second = order.batches.order_by("number")

    sign_in(page, workshop.lead)
    expect(page.locator("h1")).to_have_text("可接的活")
    expect(page.locator("article.card")).to_have_count(2)
    expect(page.locator(f"#batch-{first.pk}")).to_contain_text("约 ¥36.00/小时")
    shot(page, "lead", "open-batches")

    page.locator(f"#batch-{first.pk} button").click()
    expect(page.locator(f"#batch-{first.pk} .msg-success")).to_contain_text("认领成功")
    first.refresh_from_db()
    assert (first.status, first.workshop_id) == (Batch.Status.CLAIMED, workshop.pk)

    # Someone else was faster on the second one.
    batch_claim(actor=rival.lead, batch_id=second.pk)
    page.locator(f"#batch-{second.pk} button").click()
    expect(page.locator(f"#batch-{second.pk} .msg-error")).to_have_text(
        "慢了一步：这个批次刚被别的工坊认领了。"
    )
    shot(page, "lead", "claim-answers")
    second.refresh_from_db()
    assert second.workshop_id == rival.pk

    # The materials arrive (the arrival scan starts production).
    batch_start_production(batch_id=first.pk, actor=None)
    page.click(f"#batch-{first.pk} a.button")
    # Work goes out by card (tests/ui/test_work_by_card.py); without the card, by the list,
    # where each household is named with its number and phone tail (two may share a name).
    page.click("text=农户没带卡？按名单发活")
    page.select_option("select[name=household]", label=f"卓玛家 · {zhuoma.pk}号 · 尾号5678")
    page.fill("#issue-by-name input[name=quantity]", "60")
    page.click("button:text-is('发放')")
    expect(page.locator(".msg-success")).to_have_text("已发给 卓玛家 60 件。")

    ticket = Ticket.objects.get(household=zhuoma)
    card = page.locator(f"#ticket-{ticket.pk}")
    card.locator("input.num").fill("55")
    shot(page, "lead", "batch")
    card.locator("button.okbtn").click()
    expect(page.locator(".msg-success")).to_have_text("已记录交回 55 件。")
    expect(page.locator(f"#ticket-{ticket.pk}")).to_contain_text("交回 55 / 60")
    ticket.refresh_from_db()
    assert (ticket.issued, ticket.returned, ticket.lost) == (60, 55, 0)

    page.click("nav.tabs >> text=我的批次")
    expect(page.locator(".card")).to_contain_text("已交回 55 · 已发放 60 · 共 100 件")
    shot(page, "lead", "my-batches")


def test_returning_more_than_is_out_says_so_and_changes_nothing(page, site, sign_in):
    workshop = make_workshop()
    make_household(workshop, name="卓玛家")
    order = make_published_order(make_user(User.Role.MERCHANT), quantity=100, batch_size=100)
    batch = order.batches.get()
    batch_claim(actor=workshop.lead, batch_id=batch.pk)
    batch_start_production(batch_id=batch.pk, actor=None)
    from orders.services import ticket_issue

    household = workshop.households.get()
    ticket, _ = ticket_issue(
        actor=workshop.lead, batch_id=batch.pk, household_id=household.pk, quantity=10
    )
    sign_in(page, workshop.lead)
    page.goto(f"{site}/work/batches/{batch.pk}/")
    page.locator(f"#ticket-{ticket.pk} input.num").fill("11")
    page.locator(f"#ticket-{ticket.pk} button.okbtn").click()
    expect(page.locator(f"#ticket-{ticket.pk} .error")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.returned == 0


def test_lead_packs_a_finished_lot_with_household_shares_and_prints_its_label(
    page, site, sign_in, shot
):
    from quality.models import Lot

    from .factories import hand_out_and_back, make_batch_in_production

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma, lamu = make_household(workshop, name="卓玛家"), make_household(workshop, name="拉姆家")
    batch = make_batch_in_production(workshop, quantity=100)
    hand_out_and_back(batch, {zhuoma: 70, lamu: 30})

    sign_in(page, workshop.lead)
    page.goto(f"{site}/work/batches/{batch.pk}/")
    page.click("button:text-is('全部收齐，准备打包')")
    expect(page.locator(".msg-success")).to_contain_text("全部收回")
    page.click("text=打包成货批并打印标签")
    page.fill(f"input[name=share-{lamu.pk}]", "25")
    shot(page, "lead", "pack")
    page.click("button:text-is('打包并生成标签')")

    expect(page.locator(".msg-success")).to_have_text("已打包 95 件。请打印标签贴在包上。")
    lot = Lot.objects.get(kind="finished")
    assert dict(lot.shares.values_list("household__name", "quantity")) == {
        "卓玛家": 70,
        "拉姆家": 25,
    }
    label = page.locator(".label-sheet img")
    expect(label).to_be_visible()
    page.wait_for_function("document.querySelector('.label-sheet img').complete")
    assert page.evaluate("document.querySelector('.label-sheet img').naturalWidth") == 320
    shot(page, "lead", "label")


def test_the_lead_pages_read_in_english_after_the_switch(page, site, sign_in, shot):
    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    order = make_published_order(make_user(User.Role.MERCHANT), quantity=100, batch_size=100)
    batch = order.batches.get()

    sign_in(page, workshop.lead)
    page.click("form.lang button")
    expect(page.locator("h1")).to_have_text("Work you can take")
    card = page.locator(f"#batch-{batch.pk}")
    expect(card).to_contain_text("about ¥36.00/hour")
    expect(card.locator("button")).to_have_text("Claim")
    expect(page.locator("nav.tabs")).to_contain_text("My batches")
    shot(page, "lead", "open-batches-en")
    card.locator("button").click()
    expect(card.locator(".msg-success")).to_contain_text("Claimed!")
