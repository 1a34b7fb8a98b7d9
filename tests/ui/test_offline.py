"""Offline: scans made without signal wait on the phone, then go through /scans/bulk once."""

from playwright.sync_api import expect

from accounts.models import User
from orders.models import Batch
from orders.services import batch_claim
from quality.models import Lot, ScanEvent
from quality.services import lot_create
from tests.factories import make_skill, make_user, make_workshop

from .factories import make_published_order


def test_scans_made_offline_queue_on_the_phone_and_sync_once_when_back_online(
    page, context, site, sign_in, shot
):
    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    order = make_published_order(make_user(User.Role.MERCHANT), quantity=300, batch_size=100)
    first, second, _third = order.batches.order_by("number")
    operator = make_user(User.Role.OPERATOR)
    lots = []
    for batch in (first, second):
        batch_claim(actor=workshop.lead, batch_id=batch.pk)
        lots.append(lot_create(actor=operator, batch_id=batch.pk, kind="material", quantity=100))

    sign_in(page, workshop.lead)
    page.goto(f"{site}/scan/")
    expect(page.locator("[data-queue-state]")).to_have_text("全部已上传。")

    context.set_offline(True)
    for lot in lots:
        page.fill("#code", lot.code)
        page.click("button:text-is('记录扫码')")
    expect(page.locator("[data-queue-count]")).to_have_text("2")
    expect(page.locator("[data-queue-state]")).to_contain_text("没有信号")
    shot(page, "lead", "scan-offline")
    assert ScanEvent.objects.count() == 0

    context.set_offline(False)
    expect(page.locator("[data-queue-count]")).to_have_text("0", timeout=10_000)
    expect(page.locator(".results li.ok")).to_have_count(2)
    expect(page.locator(".results")).to_contain_text("已记录")
    shot(page, "lead", "scan-synced")

    assert ScanEvent.objects.count() == 2
    assert set(Lot.objects.values_list("stage", flat=True)) == {Lot.Stage.RECEIVED}
    # The arrival scans started production on both batches.
    assert set(
        Batch.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {Batch.Status.IN_PRODUCTION}

    # A reload sends nothing again: the queue is empty and the server kept one of each.
    page.reload()
    page.evaluate("window.ScanQueue.flush()")
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    assert ScanEvent.objects.count() == 2


def test_a_refused_scan_leaves_the_queue_with_its_reason(page, site, sign_in):
    workshop = make_workshop()
    sign_in(page, workshop.lead)
    page.goto(f"{site}/scan/")
    page.fill("#code", "ZZZZZZZZZ")
    page.click("button:text-is('记录扫码')")
    expect(page.locator(".results li.bad")).to_have_count(1)
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    assert ScanEvent.objects.count() == 0


def test_the_scan_page_opens_without_signal_once_visited(page, context, site, sign_in, shot):
    workshop = make_workshop()
    sign_in(page, workshop.lead)
    page.goto(f"{site}/scan/")
    # The service worker installs, takes control, and keeps this page for later.
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    page.reload()
    page.wait_for_function("caches.keys().then(k => k.length > 0)")
    page.wait_for_timeout(300)

    context.set_offline(True)
    page.goto(f"{site}/scan/")
    expect(page.locator("h1")).to_have_text("扫码")
    expect(page.locator("[data-queue-state]")).to_have_text("全部已上传。")
    page.fill("#code", "21HSNA724")
    page.click("button:text-is('记录扫码')")
    expect(page.locator("[data-queue-count]")).to_have_text("1")
    shot(page, "lead", "scan-offline-reopened")

    # Pages not kept for offline use say so plainly instead of the browser's error.
    page.goto(f"{site}/work/")
    expect(page.locator("h1")).to_have_text("没有信号")
    context.set_offline(False)
