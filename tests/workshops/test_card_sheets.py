"""Household card sheets (A4 PDF, ten cards a page), the lead's card pages and the re-issue
endpoint: who may print and re-issue, what the paper says, and the old card dead at once."""

import pytest
import zxingcpp
from PIL import Image

from accounts.models import User
from tests.factories import make_household, make_user, make_workshop
from tests.pdf_tools import pdf_fonts, pdf_page_png, pdf_pages, pdf_text
from workshops import cards
from workshops.models import HouseholdEvent, RetiredCard

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(workshop):
    return [make_household(workshop, name=f"农户{i:02d}", village="甲居二村") for i in range(12)]


def test_a_workshops_card_sheet_prints_every_code_ten_cards_a_page(
    api, workshop, households, tmp_path
):
    retired = make_household(workshop, name="停用户", is_active=False)
    response = api.as_user(workshop.lead).get(f"/workshops/{workshop.pk}/cards.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    assert pdf_pages(pdf, tmp_path) == 2
    text = pdf_text(pdf, tmp_path, page=1) + pdf_text(pdf, tmp_path, page=2)
    for household in households:
        assert cards.display(household.card_code) in text
    assert cards.display(retired.card_code) not in text
    first_page = pdf_text(pdf, tmp_path, page=1)
    assert "农户00" in first_page and workshop.name in first_page and "甲居二村" in first_page
    assert first_page.count("扫码看账本") == 10
    assert all(font.embedded for font in pdf_fonts(pdf, tmp_path))


def test_a_cards_qr_opens_the_households_passbook(api, settings, workshop, tmp_path):
    settings.SITE_URL = "https://shouchuang.example.cn"
    household = make_household(workshop, name="卓玛家")
    pdf = api.as_user(workshop.lead).get(f"/households/{household.pk}/card.pdf").content
    assert pdf_pages(pdf, tmp_path) == 1
    image = Image.open(pdf_page_png(pdf, tmp_path)).convert("L")
    read = [r.text for r in zxingcpp.read_barcodes(image)]
    assert read == [f"https://shouchuang.example.cn/p/{household.card_code}/"]
    # What the lead's camera keeps of it is the card, whatever the link around it.
    assert cards.normalise(read[0]) == household.card_code


def test_the_card_list_gives_each_households_code(api, workshop, households):
    response = api.as_user(workshop.lead).get(f"/workshops/{workshop.pk}/cards")
    assert response.status_code == 200
    rows = {row["household_id"]: row for row in response.json()}
    household = households[0]
    row = rows[household.pk]
    assert row["card_code"] == household.card_code
    assert row["card_display"] == cards.display(household.card_code)
    assert row["passbook_url"].endswith(f"/p/{household.card_code}/")


@pytest.mark.parametrize("path", ["/workshops/{w}/cards", "/workshops/{w}/cards.pdf"])
def test_another_workshops_lead_gets_404_for_its_cards(api, workshop, path):
    make_household(workshop)
    other = make_workshop()
    response = api.as_user(other.lead).get(path.format(w=workshop.pk))
    assert response.status_code == 404, response.content


def test_a_checker_may_not_print_cards(api, workshop):
    household = make_household(workshop)
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    for path in (f"/workshops/{workshop.pk}/cards.pdf", f"/households/{household.pk}/card.pdf"):
        response = api.as_user(checker).get(path)
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "role_not_allowed"


def test_reissuing_by_the_api_kills_the_old_code_and_prints_the_new_one(api, workshop, tmp_path):
    household = make_household(workshop)
    old = household.card_code
    response = api.as_user(workshop.lead).post(
        f"/households/{household.pk}/card/reissue", {"reason": "丢了"}
    )
    assert response.status_code == 200, response.content
    new = response.json()["card_code"]
    assert new != old and cards.is_valid(new)
    assert RetiredCard.objects.get(household=household).code == old
    assert HouseholdEvent.objects.filter(
        household=household, kind=HouseholdEvent.Kind.CARD_REISSUED
    ).exists()
    pdf = api.get(f"/households/{household.pk}/card.pdf").content
    text = pdf_text(pdf, tmp_path)
    assert cards.display(new) in text and cards.display(old) not in text


def test_reissuing_without_a_reason_changes_nothing(api, workshop):
    household = make_household(workshop)
    response = api.as_user(workshop.lead).post(
        f"/households/{household.pk}/card/reissue", {"reason": "  "}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "card_reason_required"
    household.refresh_from_db()
    assert not RetiredCard.objects.exists()


def test_another_workshops_lead_cannot_reissue(api, workshop):
    household = make_household(workshop)
    response = api.as_user(make_workshop().lead).post(
        f"/households/{household.pk}/card/reissue", {"reason": "丢了"}
    )
    assert response.status_code == 404
    assert not RetiredCard.objects.exists()


# --- the pages ------------------------------------------------------------------------------


def test_the_leads_card_page_lists_codes_and_links_the_sheet(client, workshop, households):
    client.force_login(workshop.lead)
    response = client.get("/work/cards/")
    assert response.status_code == 200
    page = response.content.decode()
    assert cards.display(households[0].card_code) in page
    assert "/work/cards/sheet.pdf" in page
    sheet = client.get("/work/cards/sheet.pdf")
    assert sheet.status_code == 200
    assert sheet["Content-Type"] == "application/pdf"


def test_the_reissue_page_needs_a_reason_then_offers_the_new_card(client, workshop):
    household = make_household(workshop, name="卓玛家")
    old = household.card_code
    client.force_login(workshop.lead)
    url = f"/work/cards/{household.pk}/"
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert not RetiredCard.objects.exists()
    done = client.post(url, {"reason": "卡丢了"}, follow=True)
    assert done.status_code == 200
    household.refresh_from_db()
    assert household.card_code != old
    page = done.content.decode()
    assert household.card_display in page  # the new code, and the old one in the history
    assert old in page and "卡丢了" in page
    assert f"/work/cards/{household.pk}/card.pdf" in page


def test_an_operator_prints_any_workshops_cards_from_the_region_pages(
    client, operator, workshop, households
):
    client.force_login(operator)
    page = client.get(f"/ops/region/workshops/{workshop.pk}/cards/")
    assert page.status_code == 200
    assert f"/ops/region/workshops/{workshop.pk}/cards.pdf" in page.content.decode()
    assert client.get(f"/ops/region/workshops/{workshop.pk}/cards.pdf").status_code == 200


def test_another_workshops_lead_gets_404_on_the_card_pages(client, workshop):
    household = make_household(workshop)
    client.force_login(make_workshop().lead)
    assert client.get(f"/work/cards/{household.pk}/").status_code == 404
    assert client.get(f"/work/cards/{household.pk}/card.pdf").status_code == 404
    assert client.post(f"/work/cards/{household.pk}/", {"reason": "x"}).status_code == 404
    assert not RetiredCard.objects.exists()
