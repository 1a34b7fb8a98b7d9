"""Work by card on the lead's phone (360×740): a ticket issued by scanning the household's card
with the camera, a return recorded by typing its code, both without signal, then synced once;
a mistyped card is refused on the phone with its reason."""

import pytest
from playwright.sync_api import expect

from orders.models import Ticket, TicketReturn
from tests.factories import make_household, make_workshop

from .conftest import CHROMIUM, CHROMIUM_ARGS, fake_camera_video
from .factories import make_batch_in_production


@pytest.fixture
def card_camera(playwright, browser_context_args, tmp_path):
    """``card_camera(url)``: a page of a browser whose fake camera shows a QR of ``url`` (the
    session's browser shows a lot label; a card's QR needs its own)."""
    browsers = []

    def start(url: str):
        if not CHROMIUM.exists():
            pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}")
        video = fake_camera_video(tmp_path / "card.y4m", url)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        browsers.append(browser)
        context = browser.new_context(**browser_context_args)
        return context, context.new_page()

    yield start
    for browser in browsers:
        browser.close()


def test_the_lead_issues_and_takes_back_work_by_card_offline_then_synced_once(
    site, sign_in, card_camera, shot
):
    workshop = make_workshop()
    household = make_household(workshop, name="卓玛家")
    make_household(workshop, name="拉姆家")
    batch = make_batch_in_production(workshop, quantity=100)
    context, page = card_camera(f"http://127.0.0.1:8000/p/{household.card_code}/")

    sign_in(page, workshop.lead)
    page.goto(f"{site}/work/batches/{batch.pk}/")
    expect(page.locator("[data-queue-state]")).to_have_text("全部已上传。")

    # Issue: the camera reads the card's QR (its passbook link) and keeps the code. (The first
    # use fetches the decoder, which the service worker then keeps: used once with signal.)
    page.click("#card-issue-camera")
    expect(page.locator("#card-issue-code")).to_have_value(household.card_code, timeout=20_000)
    context.set_offline(True)
    page.fill("#card-issue-quantity", "40")
    page.click("button:text-is('按卡发活')")
    expect(page.locator("[data-queue-count]")).to_have_text("1")
    # Return, without signal: the camera again.
    page.click("#card-return-camera")
    expect(page.locator("#card-return-code")).to_have_value(household.card_code, timeout=20_000)
    page.fill("#card-return-returned", "40")
    page.click("button:text-is('按卡收活')")
    expect(page.locator("[data-queue-count]")).to_have_text("2")
    expect(page.locator("[data-queue-state]")).to_contain_text("没有信号")
    shot(page, "lead", "card-work-offline")
    assert not Ticket.objects.exists()

    context.set_offline(False)
    expect(page.locator("[data-queue-count]")).to_have_text("0", timeout=15_000)
    expect(page.locator("[data-queue-results] li.ok")).to_have_count(2)
    expect(page.locator("[data-queue-results]")).to_contain_text("卓玛家")
    shot(page, "lead", "card-work-synced")
    ticket = Ticket.objects.get()
    assert (ticket.household, ticket.issued, ticket.returned) == (household, 40, 40)
    assert TicketReturn.objects.get().returned == 40

    # A reload sends nothing again, and the batch page shows the household's ticket.
    page.reload()
    page.evaluate("window.ScanQueue.flush()")
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    expect(page.locator(f"#ticket-{ticket.pk}")).to_contain_text("交回 40 / 40")
    assert Ticket.objects.count() == 1
    assert TicketReturn.objects.count() == 1

    # A typed code is read as printed (groups, lower case); one with a typo is refused on the
    # phone with the reason, nothing recorded.
    page.fill("#card-return-code", household.card_display.lower())
    page.fill("#card-return-returned", "1")
    page.click("button:text-is('按卡收活')")
    expect(page.locator("[data-queue-refused] li")).to_contain_text("没有未交回的活")
    page.click("button:text-is('知道了，清除')")
    code = household.card_code
    typo = code[:2] + ("X" if code[2] != "X" else "Y") + code[3:]
    page.fill("#card-issue-code", typo)
    page.fill("#card-issue-quantity", "5")
    page.click("button:text-is('按卡发活')")
    refused = page.locator("[data-queue-refused] li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("卡号有误")
    expect(page.locator("#scan-last")).to_contain_text("卡号有误")
    shot(page, "lead", "card-work-refused")
    assert Ticket.objects.count() == 1
