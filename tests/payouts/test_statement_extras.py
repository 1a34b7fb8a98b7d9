"""Premiums and advance recoveries on every statement, apart from the fee: the household's page,
PDF and API, the merchant's statement and its files, the transfer file."""

import csv
import io
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from payouts.models import Statement
from payouts.selectors import merchant_statement_get
from payouts.services import (
    advance_create,
    period_approve,
    period_compute,
    period_create,
    premium_rule_set,
)
from tests.factories import make_user

from .factories import at, make_households, make_order, make_outcome
from .test_statement_figures import amounts, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant_user(db):
    from accounts.models import User

    return make_user(User.Role.MERCHANT)


@pytest.fixture
def statement(operator, workshop, merchant_user):
    household, other = make_households(workshop, 2)
    order = make_order(merchant=merchant_user, fee="0.5000")
    premium_rule_set(
        actor=merchant_user,
        order_id=order.pk,
        first_pass_per_piece="0.0125",
        on_time_per_piece="0.0200",
    )
    make_outcome(household, order, accepted=30)  # 15.00; premiums 0.38 and 0.60
    make_outcome(other, order, accepted=10)
    advance_create(
        actor=operator, household_id=household.pk, amount="4.50", reason="领料预支", paid_at=at()
    )
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    period_approve(period_id=period.pk, actor=operator)
    return Statement.objects.get(period=period, household=household)


def test_statement_page_shows_premiums_and_recovery_apart_and_adds_up(statement):
    response = Client().get(f"/s/{statement.token}/")
    assert response.status_code == 200
    found = parse(response.content.decode())
    extras = [amounts(text)[0] for text in found["extra"]]
    assert extras == [Decimal("0.38"), Decimal("0.60"), Decimal("-4.50")]
    net = amounts(found["sum-net"][0])[0]
    total = amounts(found["sum-total"][0])[0]
    assert net == Decimal("15.00")
    assert net + sum(extras) == total == Decimal(statement.total_fen) / 100 == Decimal("11.48")
    page = response.content.decode()
    assert "一次检验合格奖" in page and "按期交货奖" in page and "预支扣回" in page


def test_statement_api_and_pdf_carry_the_extras(api, statement):
    body = api.get(f"/statements/{statement.token}").json()
    assert [(e["kind"], e["amount"]) for e in body["extras"]] == [
        ("first_pass", "0.38"),
        ("on_time", "0.60"),
        ("advance_recovery", "-4.50"),
    ]
    assert body["total"] == "11.48"
    pdf = Client().get(f"/api/v1/statements/{statement.token}/pdf").content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "￥0.38" in text and "￥0.60" in text and "-￥4.50" in text and "￥11.48" in text
    assert "一次检验合格奖" in text and "预支扣回" in text


def test_merchant_statement_shows_premiums_apart_from_the_fee(statement, merchant_user):
    detail = merchant_statement_get(viewer=merchant_user, period_id=statement.period_id)
    (row,) = detail.rows
    assert (row.owed_fen, row.premium_fen, row.total_fen) == (2000, 38 + 60 + 13 + 20, 2131)
    client = Client()
    client.force_login(merchant_user)
    raw = client.get(f"/shop/payouts/{statement.period_id}/statement.csv").content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][-3:] == ["应付加工费（元）", "奖励（元）", "合计应付（元）"]
    assert rows[1][-3:] == ["20.00", "1.31", "21.31"]
    assert rows[-1][-3:] == ["20.00", "1.31", "21.31"]
    page = client.get(f"/shop/payouts/{statement.period_id}/").content.decode()
    assert re.search(r"另付奖励\s*<strong>¥1.31</strong>", page)


def test_transfer_file_pays_the_net_with_extras_in_their_own_columns(statement, operator):
    client = Client()
    client.force_login(operator)
    raw = client.get(f"/ops/payouts/{statement.period_id}/transfer.csv").content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    mine = next(row for row in rows[1:] if row[3] == "11.48")
    assert mine[header.index("奖励（按规则）（元）")] == "0.98"
    assert mine[header.index("预支扣回（元）")] == "4.50"
