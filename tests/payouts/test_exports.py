"""The transfer files, read back with the csv module and openpyxl."""

import csv
import io

import pytest
from openpyxl import load_workbook

from payouts.services import adjustment_create, period_approve

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def approved_with_tricky_names(operator, workshop):
    from datetime import date

    from payouts.services import period_compute, period_create

    plain, tricky = make_households(workshop, 2)
    tricky.name = '=HYPERLINK("http://evil","点我")'
    tricky.payment_account_name = "+86 卓玛"
    tricky.save()
    order = make_order(fee="0.3333")
    make_outcome(plain, order, accepted=30)  # 9.999 → 10.00
    make_outcome(tricky, order, accepted=3)  # 0.9999 → 1.00
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    adjustment_create(
        actor=operator,
        period_id=period.pk,
        household_id=plain.pk,
        kind="bonus",
        amount="2.5",
        reason="质量优秀奖",
    )
    period_approve(period_id=period.pk, actor=operator)
    return period, plain, tricky


def read_csv(response) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so Excel and WPS read the headers"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_has_bom_chinese_headers_and_two_decimal_amounts(api, operator, workshop):
    period, plain, _tricky = approved_with_tricky_names(operator, workshop)
    response = api.as_user(operator).get(f"/payouts/periods/{period.pk}/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0][:4] == ["序号", "收款人", "收款账户", "金额（元）"]
    by_name = {row[4].lstrip("'"): row for row in rows[1:]}
    assert by_name[plain.name][3] == "12.50"  # 10.00 + 2.50 bonus
    assert by_name[plain.name][2] == plain.payment_account  # whole, for the bank
    assert by_name[plain.name][9] == "2.50"


def test_csv_cells_cannot_become_formulas(api, operator, workshop):
    period, _plain, _tricky = approved_with_tricky_names(operator, workshop)
    rows = read_csv(api.as_user(operator).get(f"/payouts/periods/{period.pk}/export.csv"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert '\'=HYPERLINK("http://evil","点我")' in cells
    assert "'+86 卓玛" in cells


def test_xlsx_reads_back_with_text_accounts_and_exact_amounts(api, operator, workshop):
    period, plain, _tricky = approved_with_tricky_names(operator, workshop)
    response = api.as_user(operator).get(f"/payouts/periods/{period.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "收款人", "收款账户", "金额（元）")
    by_account = {row[2]: row for row in rows[1:]}
    assert str(by_account[plain.payment_account][3]) == "12.5"
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert sheet.cell(row=2, column=4).number_format == "0.00"
    tricky_row = next(row for row in rows[1:] if "HYPERLINK" in str(row[4]))
    assert tricky_row[4].startswith("'=")


def test_export_of_a_computed_but_unapproved_period_is_409(api, operator, computed_period):
    response = api.as_user(operator).get(f"/payouts/periods/{computed_period.pk}/export.csv")
    assert (response.status_code, response.json()["code"]) == (409, "payout_period_not_approved")


def test_leads_export_has_only_its_households_with_masked_accounts(api, operator, lead, workshop):
    from tests.factories import make_workshop

    period, plain, _tricky = approved_with_tricky_names(operator, workshop)
    rows = read_csv(api.as_user(lead).get(f"/payouts/periods/{period.pk}/export.csv"))
    accounts = [row[2] for row in rows[1:]]
    assert accounts and all(account.startswith("****") for account in accounts)
    assert plain.payment_account not in {cell for row in rows for cell in row}
    other = make_workshop()
    rows = read_csv(api.as_user(other.lead).get(f"/payouts/periods/{period.pk}/export.csv"))
    assert rows[1:] == []
