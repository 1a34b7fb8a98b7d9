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
    expect(page.locator("[data-queue-results]")).to_contain_text("已记录")
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
    # It stays in view, with its reason, until the person has read it.
    refused = page.locator("[data-queue-refused] li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("ZZZZZZZZZ")
    page.reload()
    expect(refused).to_have_count(1)
    page.click("button:text-is('知道了，清除')")
    expect(page.locator("[data-queue-refused-box]")).to_be_hidden()


# Puts scans straight into the phone's queue, as an older page or a damaged store may have left
# them (offline.js reads them back as they are).
QUEUE_PUT = """scans => new Promise((resolve, reject) => {
  const req = indexedDB.open("shouchuang", 1);
  req.onsuccess = () => {
    const t = req.result.transaction("scans", "readwrite");
    scans.forEach(s => t.objectStore("scans").put(s));
    t.oncomplete = () => resolve(scans.length);
    t.onerror = () => reject(t.error);
  };
  req.onerror = () => reject(req.error);
})"""


def _bulk_requests(page) -> list:
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/scans/bulk") else None)
    return sent


def test_a_corrupt_scan_in_the_queue_is_parked_and_the_rest_recorded(
    page, context, site, sign_in, shot
):
    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    order = make_published_order(make_user(User.Role.MERCHANT), quantity=100, batch_size=100)
    batch = order.batches.get()
    batch_claim(actor=workshop.lead, batch_id=batch.pk)
    operator = make_user(User.Role.OPERATOR)
    lot = lot_create(actor=operator, batch_id=batch.pk, kind="material", quantity=100)
    sign_in(page, workshop.lead)
    page.goto(f"{site}/scan/")
    expect(page.locator("[data-queue-state]")).to_have_text("全部已上传。")

    context.set_offline(True)
    page.fill("#code", lot.code)
    page.click("button:text-is('记录扫码')")
    corrupt = [
        {"key": "corrupt-1", "code": lot.code, "action": "flown", "device_time": "yesterday"},
        {"key": 12345678, "code": None, "action": "shipped"},
    ]
    page.evaluate(QUEUE_PUT, corrupt)
    page.evaluate("window.ScanQueue.show()")
    expect(page.locator("[data-queue-count]")).to_have_text("3")

    sent = _bulk_requests(page)
    context.set_offline(False)
    page.evaluate("window.ScanQueue.flush()")
    expect(page.locator("[data-queue-count]")).to_have_text("0", timeout=10_000)
    expect(page.locator(".results li.ok")).to_have_count(1)
    refused = page.locator("[data-queue-refused] li")
    expect(refused).to_have_count(2)
    expect(refused.first).to_contain_text("提交的数据有误")
    shot(page, "lead", "scan-refused")
    assert ScanEvent.objects.filter(lot=lot).count() == 1
    assert len(sent) == 1

    # Nothing is sent again: the refused scans left the queue with the good one.
    page.reload()
    page.evaluate("window.ScanQueue.flush()")
    expect(refused).to_have_count(2)
    assert len(sent) == 1
    assert ScanEvent.objects.count() == 1


def test_a_queue_longer_than_the_server_takes_goes_in_parts(page, context, site, sign_in):
    from quality.scans import BULK_LIMIT

    workshop = make_workshop()
    sign_in(page, workshop.lead)
    page.goto(f"{site}/scan/")
    context.set_offline(True)
    # More than one request may carry, each refused by the server (no such lot): they must all
    # leave the queue rather than make every flush a 413 for good.
    count = BULK_LIMIT + 1
    scans = [
        {"key": f"{i:08d}-part", "code": "ZZZZZZZZZ", "action": "received",
         "device_time": "2026-11-20T10:00:00+08:00"}
        for i in range(count)
    ]  # fmt: skip
    page.evaluate(QUEUE_PUT, scans)
    page.evaluate("window.ScanQueue.show()")
    expect(page.locator("[data-queue-count]")).to_have_text(str(count))

    sent = _bulk_requests(page)
    context.set_offline(False)
    page.evaluate("window.ScanQueue.flush()")
    expect(page.locator("[data-queue-count]")).to_have_text("0", timeout=30_000)
    assert len(sent) > 1
    assert all(len(r.post_data_json["scans"]) <= BULK_LIMIT for r in sent)
    expect(page.locator("[data-queue-refused-box]")).to_be_visible()
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
