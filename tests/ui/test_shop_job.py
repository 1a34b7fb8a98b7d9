"""The merchant's whole job for issue 12, through the pages only, on a 360×740 phone in Chinese:
draft an order, edit it, publish it with a photo through the fair-pay confirmation (the photo
is kept), cancel an open batch, open a batch page and read its timeline. Then one pass in
English over the same pages: nothing wider than the phone, no small targets."""

import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from orders.models import Batch, BatchEvent, Order
from tests.factories import make_skill, make_user, make_workshop

from .factories import add_product_photo, make_published_order
from .test_layout import _problems

MESSAGE = ".messages .msg-success"


@pytest.fixture(autouse=True)
def minimum_wage(db):
    """A minimum wage to compare with: a transactional test may find the seeded rows flushed."""
    from orders.services import minimum_wage_record

    minimum_wage_record(
        actor=make_user(User.Role.OPERATOR),
        province="浙江",
        hourly=Decimal("20.00"),
        effective_from=timezone.localdate().replace(day=1),
        source="测试",
    )


def sample_photo(tmp_path):
    path = tmp_path / "sample.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (166, 27, 41)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_merchant_drafts_edits_publishes_with_a_photo_cancels_a_batch_and_reads_its_story(
    page, site, sign_in, shot, tmp_path
):
    merchant = make_user(User.Role.MERCHANT, display_name="金盛饰品")
    make_skill("raoxian", "绕线")
    sign_in(page, merchant)

    # 1. A draft: the form's second button.
    page.click("nav.tabs >> text=发布订单")
    page.fill("input[name=product_name]", "流苏挂饰")
    page.check("input[name=required_skills][value=raoxian]")
    page.fill("input[name=quantity]", "300")
    page.fill("input[name=batch_size]", "100")
    page.fill("input[name=fee_per_piece]", "1.20")
    page.fill("input[name=standard_minutes]", "2")
    page.click("button:text-is('保存草稿')")
    expect(page.locator(MESSAGE)).to_have_text("草稿已保存。可以继续修改，准备好了再发布。")
    order = Order.objects.get(product_name="流苏挂饰")
    assert order.status == Order.Status.DRAFT and not order.batches.exists()
    expect(page.locator(".draft-actions button.primary")).to_have_text("发布并拆分批次")
    shot(page, "merchant", "draft")

    # 2. Edit it: fewer pieces, a lower fee, a photo; publish.
    page.click("a:text-is('修改草稿')")
    expect(page.locator("input[name=quantity]")).to_have_value("300")
    page.fill("input[name=quantity]", "250")
    page.fill("input[name=fee_per_piece]", "0.10")
    page.set_input_files("input[name=photo]", str(sample_photo(tmp_path)))
    page.click("button:text-is('保存并发布')")

    # 3. The fair-pay step: asked to acknowledge; nothing saved yet; the photo is kept.
    expect(page.locator("p.error[role=alert]")).to_contain_text("折合时薪低于当地最低小时工资")
    expect(page.locator(".kept-photo")).to_contain_text("已选照片「sample.jpg」已保存")
    order.refresh_from_db()
    assert (order.quantity, order.status, order.photos.count()) == (300, "draft", 0)
    shot(page, "merchant", "fair-pay-confirm")
    page.check("input[name=acknowledge_below_minimum_wage]")
    page.click("button:text-is('保存并发布')")
    expect(page.locator(MESSAGE)).to_have_text("订单已发布，拆成 3 个批次，等待工坊认领。")
    order.refresh_from_db()
    assert (order.status, order.quantity) == (Order.Status.PUBLISHED, 250)
    assert order.fair_pay_acknowledged_by == merchant
    assert order.photos.count() == 1
    assert page.eval_on_selector("img.thumb", "img => img.complete && img.naturalWidth > 0")
    assert list(order.batches.order_by("number").values_list("quantity", flat=True)) == [
        100,
        100,
        50,
    ]

    # 4. Cancel batch #3 (open).
    third = order.batches.get(number=3)
    page.check(f"input[name=batch][value='{third.pk}']")
    page.click("button:text-is('取消所选批次')")
    expect(page.locator(MESSAGE)).to_have_text("已取消 1 个批次：#3。")
    statuses = dict(Batch.objects.filter(order=order).values_list("number", "status"))
    assert statuses == {1: "open", 2: "open", 3: "cancelled"}
    assert BatchEvent.objects.get(batch=third, to_status="cancelled").actor == merchant
    expect(page.locator("input[name=batch]")).to_have_count(2)
    shot(page, "merchant", "order-after-cancel")

    # 5. The batch page and its timeline.
    page.click("a.to-batch:text-is('#3')")
    expect(page.locator("h1")).to_have_text("批次 #3")
    expect(page.locator(".facts .pill")).to_have_text("已取消")
    moments = page.locator("ol.timeline li strong").all_inner_texts()
    assert moments == ["待认领", "已取消"]
    expect(page.locator("ol.timeline")).to_contain_text("商家取消未认领的批次")
    shot(page, "merchant", "batch")


def test_the_merchant_pages_fit_the_phone_in_english(page, site, sign_in, tmp_path):
    make_skill("raoxian", "绕线")
    merchant = make_user(User.Role.MERCHANT, display_name="Jinsheng Accessories Trading")
    from orders.services import batch_claim, order_create

    draft = order_create(
        actor=merchant,
        product_name="Hand-knotted tassel belt (long)",
        quantity=300,
        batch_size=100,
        fee_per_piece=Decimal("0.10"),
        standard_minutes=Decimal("2"),
        deadline=timezone.localdate().replace(year=timezone.localdate().year + 1),
        required_skills=["raoxian"],
    )
    published = make_published_order(merchant, quantity=300, batch_size=100)
    add_product_photo(published, size=(400, 300))
    first = published.batches.order_by("number").first()
    batch_claim(actor=make_workshop(name="丹巴县聂呷乡绳编共富工坊").lead, batch_id=first.pk)

    sign_in(page, merchant)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    problems = {}

    def check(label: str) -> None:
        found = {kind: items for kind, items in _problems(page).items() if items}
        if found:
            problems[label] = found

    for path in (
        "/shop/orders/new/",
        f"/shop/orders/{draft.pk}/",
        f"/shop/orders/{draft.pk}/edit/",
        f"/shop/orders/{published.pk}/",
        f"/shop/batches/{first.pk}/",
    ):
        assert page.goto(f"{site}{path}").status == 200, path
        check(path)
    # The fair-pay step of the edit form, with a photo kept.
    page.goto(f"{site}/shop/orders/{draft.pk}/edit/")
    page.set_input_files("input[name=photo]", str(sample_photo(tmp_path)))
    page.click("button:text-is('Save and publish')")
    expect(page.locator(".kept-photo")).to_be_visible()
    check("edit: fair-pay step")
    # The draft page's own publish: the confirmation page.
    page.goto(f"{site}/shop/orders/{draft.pk}/")
    page.click(".draft-actions button.primary")
    expect(page.locator("h1")).to_have_text("Confirm and publish")
    check("publish: confirmation")
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
