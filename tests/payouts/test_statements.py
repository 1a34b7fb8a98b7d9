"""The household's statement behind its token: works, 404 on a wrong one, nobody else's data."""

import re

import pytest

from payouts.models import Statement
from payouts.services import period_approve
from tests.pdf_tools import pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(operator, computed_period):
    return period_approve(period_id=computed_period.pk, actor=operator)


def test_statement_opens_without_login(api, approved, computed_period):
    first = computed_period.households_list[0]
    statement = Statement.objects.get(period=approved, household=first)
    response = api.get(f"/statements/{statement.token}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["household"] == first.name
    assert body["total"] == "35.00"  # 100 × 0.35
    assert [(line["pieces"], line["amount"]) for line in body["lines"]] == [(100, "35.00")]
    assert body["payment_account"] == first.payment_account_masked
    assert first.payment_account not in response.content.decode()
    assert statement.token in body["url"]


def test_wrong_token_is_404(api, approved):
    response = api.get("/statements/not-a-real-token-at-all")
    assert (response.status_code, response.json()["code"]) == (404, "statement_not_found")


def test_statement_shows_no_other_households_data(api, approved, computed_period):
    first, second, third = computed_period.households_list
    token = Statement.objects.get(period=approved, household=first).token
    text = api.get(f"/statements/{token}").content.decode()
    for other in (second, third):
        assert other.name not in text
    assert "14.00" not in text  # the second household's 40 × 0.35


def test_tokens_are_long_random_and_distinct(approved):
    tokens = list(Statement.objects.values_list("token", flat=True))
    assert len(set(tokens)) == len(tokens) == 3
    assert all(len(token) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", token) for token in tokens)


def test_statement_pdf_is_chinese_with_a_qr_code(api, approved, computed_period):
    token = Statement.objects.filter(period=approved).first().token
    response = api.get(f"/statements/{token}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert b"/Subtype /Image" in body  # the QR code of the statement link


def test_statement_pdf_embeds_its_fonts_and_its_chinese_can_be_read(
    api, approved, computed_period, tmp_path
):
    first = computed_period.households_list[0]
    token = Statement.objects.get(period=approved, household=first).token
    body = api.get(f"/statements/{token}/pdf").content
    fonts = pdf_fonts(body, tmp_path)
    assert fonts and all(font.embedded for font in fonts), fonts  # no viewer substitutes
    text = pdf_text(body, tmp_path)
    assert "加工费结算单" in text and first.name in text and "35.00" in text


def test_lead_prints_the_workshops_statements(api, lead, approved):
    response = api.as_user(lead).get(f"/payouts/periods/{approved.pk}/statements.pdf")
    assert response.status_code == 200
    assert response.content.count(b"/Type /Page\n") + response.content.count(b"/Type /Page ") >= 3


def test_statement_of_an_unapproved_period_does_not_exist(api, computed_period):
    assert not Statement.objects.filter(period=computed_period).exists()


def test_operator_prints_one_workshop_at_a_time(api, operator, approved, workshop):
    api.as_user(operator)
    response = api.get(f"/payouts/periods/{approved.pk}/statements.pdf")
    assert (response.status_code, response.json()["code"]) == (400, "workshop_required")
    response = api.get(f"/payouts/periods/{approved.pk}/statements.pdf?workshop_id={workshop.pk}")
    assert response.status_code == 200
