"""A shopper scans a hang-tag: the story page opens on a phone, light, with no personal data of
a household that did not consent."""

import io

import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from orders.services import order_photo_add
from stories.services import order_story_set
from tests.factories import make_user, make_workshop
from tests.pdf_tools import pdf_page_image
from tests.stories.factories import make_story_lot


def _photo() -> SimpleUploadedFile:
    """A smooth picture (a gradient, as a product photo is smooth), 1200×900."""
    picture = Image.linear_gradient("L").resize((1200, 900)).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile("sample.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_hang_tag_qr_opens_the_story_without_personal_data(
    page,
    site,
    settings,
    tmp_path,
    shot,
):
    settings.SITE_URL = site
    workshop = make_workshop()
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    lot, (_named, processing_only, silent) = make_story_lot(workshop, checker)
    order = lot.batch.order
    order_photo_add(actor=order.created_by, order_id=order.pk, upload=_photo())
    order_story_set(actor=order.created_by, order_id=order.pk, enabled=True)

    merchant = Client()
    merchant.force_login(order.created_by)
    pdf = merchant.get(f"/shop/orders/{order.pk}/story/{lot.code}/hangtags.pdf?copies=4").content
    png = pdf_page_image(pdf, tmp_path)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert len(decoded) == 4  # four tags of the one lot on the page
    [url] = {r.text for r in decoded}
    assert url.startswith(site.upper() + "/T/")

    sizes: list[int] = []
    page.on("response", lambda response: sizes.append(len(response.body())))
    page.goto(url)
    expect(page.locator("h1")).to_have_text(order.product_name)
    expect(page.locator(".figs")).to_contain_text("户农户参与制作")
    expect(page.locator(".verdict")).to_contain_text("合格")
    expect(page.locator("ol.journey li")).to_have_count(3)
    expect(page.locator("img.photo")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "public", "story")

    text = page.locator("body").inner_text()
    assert "卓玛" in text  # consented to be named
    for household in (processing_only, silent):
        assert household.name not in text
        assert household.card_code not in text
    assert household.phone[-4:] not in text
    assert sum(sizes) <= 50 * 1024, sizes
