"""The merchant's statement of a period (issue 12): what it owes per order for the accepted
pieces, the same figures as the period's reconciliation; as a page, CSV, XLSX and in the API;
its own orders only (another merchant's period is 404)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from accounts.models import User
from payouts.selectors import merchant_statement_get, period_reconciliation
from payouts.services import period_approve, period_compute, period_create
from tests.factories import make_user, make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(operator):
    """Merchant A with two orders over two workshops (one with rework at its own fee),
    merchant B with one; the period approved."""
    shop_a, shop_b = make_user(User.Role.MERCHANT), make_user(User.Role.MERCHANT)
    belts = make_order(merchant=shop_a, fee="0.3125", rework_fee="0.2000")
    tassels = make_order(merchant=shop_a, fee="1.2000")
    scarves = make_order(merchant=shop_b, fee="3.0000")
    for workshop in (make_workshop(), make_workshop()):
        one, two = make_households(workshop, 2)
        make_outcome(one, belts, accepted=45)
        make_outcome(one, belts, accepted=7, is_rework=True)
        make_outcome(two, belts, accepted=33)
        make_outcome(two, tassels, accepted=13)
        make_outcome(one, scarves, accepted=5)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    period = period_approve(period_id=period.pk, actor=operator)
    return {"period": period, "a": shop_a, "b": shop_b, "orders": (belts, tassels, scarves)}


def test_the_merchant_statement_equals_the_reconciliation_per_order(world):
    period = world["period"]
    statement = merchant_statement_get(viewer=world["a"], period_id=period.pk)
    reconciliation = {row["id"]: row for row in period_reconciliation(period=period)["orders"]}
    belts, tassels, _scarves = world["orders"]
    assert [row.order_id for row in statement.rows] == [belts.pk, tassels.pk]
    for row in statement.rows:
        assert (row.accepted, row.owed_fen) == (
            reconciliation[row.order_id]["pieces"],
            reconciliation[row.order_id]["owed_fen"],
        )
        assert row.owed_fen == reconciliation[row.order_id]["expected_fen"]
    # belts: per household line rounded once: 45 × 0.3125 + 7 × 0.20 = 15.4625 → 15.46, and
    # 33 × 0.3125 = 10.3125 → 10.31; two workshops alike.
    assert (statement.rows[0].accepted, statement.rows[0].rework_pieces) == (170, 14)
    assert statement.rows[0].owed_fen == 2 * (1546 + 1031)
    assert statement.rows[1].owed_fen == 2 * 1560
    assert statement.owed_fen == 2 * (1546 + 1031) + 2 * 1560


def test_another_merchant_and_an_unapproved_period_are_not_found(api, operator, world):
    period = world["period"]
    stranger = make_user(User.Role.MERCHANT)
    response = api.as_user(stranger).get(f"/payouts/periods/{period.pk}/merchant-statement")
    assert response.status_code == 404, response.content
    page = Client()
    page.force_login(stranger)
    assert page.get(f"/shop/payouts/{period.pk}/").status_code == 404
    assert page.get(f"/shop/payouts/{period.pk}/statement.csv").status_code == 404
    draft = period_create(
        actor=operator, name="四月", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
    )
    api.as_user(world["a"])
    assert api.get(f"/payouts/periods/{draft.pk}/merchant-statement").status_code == 404
    # merchant B sees its own scarves only
    body = api.as_user(world["b"]).get(f"/payouts/periods/{period.pk}/merchant-statement").json()
    assert [row["order_id"] for row in body["orders"]] == [world["orders"][2].pk]
    assert body["owed"] == "30.00"


def test_the_api_gives_the_statement_and_an_operator_names_the_merchant(api, operator, world):
    period = world["period"]
    body = api.as_user(world["a"]).get(f"/payouts/periods/{period.pk}/merchant-statement").json()
    assert body["owed"] == "82.74" and body["accepted"] == 196
    assert [row["owed"] for row in body["orders"]] == ["51.54", "31.20"]
    assert body["orders"][0]["fee"] == "0.3125" and body["orders"][0]["rework_pieces"] == 14
    api.as_user(operator)
    refused = api.get(f"/payouts/periods/{period.pk}/merchant-statement")
    assert (refused.status_code, refused.json()["code"]) == (400, "merchant_required")
    merchant_id = world["a"].organisation_id
    named = api.get(f"/payouts/periods/{period.pk}/merchant-statement?merchant_id={merchant_id}")
    assert named.json()["owed"] == "82.74"
    lead = make_workshop().lead
    assert (
        api.as_user(lead).get(f"/payouts/periods/{period.pk}/merchant-statement").status_code == 403
    )


def test_the_page_lists_the_periods_and_shows_each_order(world):
    client = Client()
    client.force_login(world["a"])
    listing = client.get("/shop/payouts/").content.decode()
    assert f'href="/shop/payouts/{world["period"].pk}/"' in listing
    html = client.get(f"/shop/payouts/{world['period'].pk}/").content.decode()
    assert html.count('class="card merchant-order"') == 2
    assert 'id="merchant-owed" style="font-size:2.4rem">¥82.74<' in html
    assert "¥51.54" in html and "¥31.20" in html and "¥0.3125" in html


def test_the_csv_and_the_xlsx_read_back_with_the_same_figures(world):
    client = Client()
    client.force_login(world["a"])
    period = world["period"]
    belts, tassels, _scarves = world["orders"]
    response = client.get(f"/shop/payouts/{period.pk}/statement.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="merchant-statement-')
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "订单号"
    assert rows[1][0] == str(belts.pk) and rows[1][2:] == [
        "170",
        "14",
        "0.3125",
        "0.20",
        "51.54",
        "0.00",  # premiums by rule: none on this order
        "51.54",
    ]
    assert rows[2][0] == str(tassels.pk) and rows[2][2:] == [
        "26",
        "0",
        "1.20",
        "1.20",
        "31.20",
        "0.00",
        "31.20",
    ]
    assert rows[3][1:] == ["合计", "196", "14", "", "", "82.74", "0.00", "82.74"]

    workbook = load_workbook(
        io.BytesIO(client.get(f"/shop/payouts/{period.pk}/statement.xlsx").content)
    )
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == belts.pk and values[1][2:4] == [170, 14]
    assert Decimal(str(values[1][4])) == Decimal("0.3125")
    assert Decimal(str(values[1][6])) == Decimal("51.54")
    assert values[3][1] == "合计" and Decimal(str(values[3][6])) == Decimal("82.74")


def test_an_operator_opens_a_merchants_statement_page_by_naming_it(operator, world):
    client = Client()
    client.force_login(operator)
    url = f"/shop/payouts/{world['period'].pk}/"
    assert client.get(url).status_code == 404
    named = client.get(url, {"merchant": world["b"].organisation_id})
    assert named.status_code == 200
    assert 'id="merchant-owed" style="font-size:2.4rem">¥30.00<' in named.content.decode()
    csv_file = client.get(f"{url}statement.csv", {"merchant": world["b"].organisation_id})
    assert csv_file.content.decode("utf-8-sig").splitlines()[-1].endswith('"30.00"')
