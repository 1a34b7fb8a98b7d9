"""The public story behind a hang-tag: what it shows, what it never shows, who switches it."""

import io
import re

import pytest
import zxingcpp
from PIL import Image

from accounts.models import User
from stories.models import OrderStory, StoryTag, StoryViewDay
from stories.services import order_story_set
from tests.factories import make_user
from tests.pdf_tools import pdf_page_image, pdf_text

pytestmark = pytest.mark.django_db


def _story_on(lot) -> StoryTag:
    merchant = lot.batch.order.created_by
    order_story_set(actor=merchant, order_id=lot.batch.order_id, enabled=True)
    return StoryTag.objects.get(lot=lot)


def test_the_story_tells_the_product_place_households_money_verdict_and_journey(client, story_lot):
    lot, _households = story_lot
    tag = _story_on(lot)
    response = client.get(f"/t/{tag.code}")
    assert response.status_code == 200
    page = response.content.decode()
    org = lot.workshop.organisation
    assert lot.batch.order.product_name in page
    assert org.county in page and org.province in page
    assert ">3</b>" in page  # households that made the lot
    assert ">100</b>" in page  # its pieces
    assert "¥0.50" in page  # the processing fee per piece
    assert "合格" in page
    journey = re.findall(r"<li><time[^>]*>[^<]*</time>([^<]*)</li>", page)
    assert [step.split(" · ")[0] for step in journey] == ["发出", "签收", "检验"]


def test_no_personal_data_of_a_household_that_did_not_consent(client, story_lot):
    lot, (_named, processing_only, silent) = story_lot
    tag = _story_on(lot)
    page = client.get(f"/t/{tag.code}").content.decode()
    assert "卓玛" in page  # consented to be named on story pages
    for household in (processing_only, silent):
        assert household.name not in page
        assert household.card_code not in page
        assert household.payment_account not in page
    assert "13912345678" not in page and "5678" not in page
    lead, checker = lot.workshop.lead, lot.inspections.get().checker
    for person in (lead, checker):
        assert person.username not in page


def test_a_withdrawn_consent_takes_the_name_off_at_once(client, story_lot):
    from django.utils import timezone

    lot, (named, *_rest) = story_lot
    tag = _story_on(lot)
    named.consents.update(withdrawn_at=timezone.now(), withdrawn_by=lot.workshop.lead)
    assert "卓玛" not in client.get(f"/t/{tag.code}").content.decode()


def test_the_page_is_light_and_shareable(client, story_lot):
    lot, _ = story_lot
    tag = _story_on(lot)
    response = client.get(f"/t/{tag.code}")
    page = response.content.decode()
    assert len(response.content) <= 50 * 1024
    assert "<script" not in page and 'rel="stylesheet"' not in page
    assert f'property="og:title" content="{lot.batch.order.product_name}' in page
    assert 'property="og:description"' in page and 'property="og:url"' in page


def test_views_are_counted_for_the_merchant(client, api, story_lot):
    lot, _ = story_lot
    tag = _story_on(lot)
    for _ in range(3):
        assert client.get(f"/t/{tag.code.lower()}").status_code == 200
    assert client.head(f"/T/{tag.code}").status_code == 200  # a link preview: not a view
    assert StoryViewDay.objects.get(tag=tag).views == 3
    merchant = lot.batch.order.created_by
    body = api.as_user(merchant).get(f"/orders/{lot.batch.order_id}/story").json()
    assert body["enabled"] is True and body["views"] == 3
    assert body["tags"] == [
        {
            "lot_code": lot.code,
            "tag_code": tag.code,
            "url": f"HTTP://127.0.0.1:8000/T/{tag.code}",
            "quantity": 100,
            "views": 3,
        }
    ]


def test_a_story_switched_off_or_never_on_is_not_found(client, story_lot):
    lot, _ = story_lot
    tag = _story_on(lot)
    merchant = lot.batch.order.created_by
    order_story_set(actor=merchant, order_id=lot.batch.order_id, enabled=False)
    assert client.get(f"/t/{tag.code}").status_code == 404
    assert client.get("/t/NOSUCHTAG").status_code == 404
    assert not StoryViewDay.objects.exists()


def test_only_the_orders_merchant_or_an_operator_switches_it(api, story_lot):
    lot, _ = story_lot
    order_id = lot.batch.order_id
    stranger = make_user(User.Role.MERCHANT)
    response = api.as_user(stranger).put(f"/orders/{order_id}/story", {"enabled": True})
    assert response.status_code == 404
    lead = lot.workshop.lead
    response = api.as_user(lead).put(f"/orders/{order_id}/story", {"enabled": True})
    assert response.status_code == 403
    assert not OrderStory.objects.exists()
    operator = make_user(User.Role.OPERATOR)
    response = api.as_user(operator).put(f"/orders/{order_id}/story", {"enabled": True})
    assert response.status_code == 200
    assert response.json()["enabled"] is True
    assert OrderStory.objects.get(order_id=order_id).changed_by == operator


def test_the_share_that_reached_households_follows_the_workshops_settings_until_paid(
    client, story_lot
):
    from decimal import Decimal

    from payouts.models import PayoutShareConfig

    lot, _ = story_lot
    tag = _story_on(lot)
    PayoutShareConfig.objects.create(
        workshop=lot.workshop,
        lead_kind="percent",
        lead_value=Decimal("5"),
        center_kind="percent",
        center_value=Decimal("3"),
        updated_by=make_user(User.Role.OPERATOR),
    )
    page = client.get(f"/t/{tag.code}").content.decode()
    assert ">92%</b>" in page and "按工坊分成约定" in page


def test_hang_tags_carry_the_story_qr_and_code(client, story_lot, tmp_path):
    lot, _ = story_lot
    tag = _story_on(lot)
    client.force_login(lot.batch.order.created_by)
    url = f"/shop/orders/{lot.batch.order_id}/story/{lot.code}/hangtags.pdf"
    response = client.get(url + "?copies=13")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path, page=2)
    assert f"{tag.code[:4]} {tag.code[4:]}" in text
    png = pdf_page_image(response.content, tmp_path, page=2)
    found = {r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))}
    assert found == {f"HTTP://127.0.0.1:8000/T/{tag.code}"}
    refused = client.get(url + "?copies=0")
    assert refused.status_code == 302
    stranger = make_user(User.Role.MERCHANT)
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_the_merchant_page_switches_it_and_lists_tags(client, story_lot):
    lot, _ = story_lot
    client.force_login(lot.batch.order.created_by)
    url = f"/shop/orders/{lot.batch.order_id}/story/"
    assert client.post(url, {"enabled": "1"}).status_code == 302
    page = client.get(url).content.decode()
    tag = StoryTag.objects.get(lot=lot)
    assert lot.code in page and f"/t/{tag.code}" in page
    client.post(url, {"enabled": "maybe"})
    assert OrderStory.objects.get().enabled is True
    client.post(url, {"enabled": "0"})
    assert OrderStory.objects.get().enabled is False
