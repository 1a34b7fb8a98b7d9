"""The transfer file of an approved period, as CSV (for the bank or wallet batch upload) and XLSX.

CSV: UTF-8 with a byte-order mark (Excel and WPS then read the Chinese headers), every field
quoted, amounts as text with exactly two decimals. Both formats neutralise spreadsheet formulas:
a cell that starts with ``= + - @`` (or a tab / carriage return) gets a leading apostrophe, so a
household named ``=HYPERLINK(...)`` stays text (OWASP "CSV injection").
"""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core import currency

from .models import PayoutPeriod
from .money import fen_to_yuan, format_exact, format_yuan
from .selectors import TransferRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _headers() -> list[str]:
    return [
        _("序号"),
        _("收款人"),
        _("收款账户"),
        _("金额（元）"),
        _("户主姓名"),
        _("手机号"),
        _("工坊"),
        _("合格件数"),
        _("计件收入（元）"),
        _("奖励（元）"),
        _("扣款（元）"),
        _("奖励（按规则）（元）"),
        _("预支扣回（元）"),
        _("摘要"),
        _("发放币种"),
        _("发放金额"),
    ]


def _cells(period: PayoutPeriod, number: int, row: TransferRow) -> list[str]:
    return [
        str(number),
        neutralise(row.account_name),
        neutralise(row.account),
        format_yuan(row.total_fen),
        neutralise(row.name),
        neutralise(row.phone),
        neutralise(row.workshop),
        str(row.pieces),
        format_yuan(row.earned_fen),
        format_yuan(row.bonus_fen),
        format_yuan(row.deduction_fen),
        format_yuan(row.premium_fen),
        format_yuan(row.recovery_fen),
        neutralise(_("加工费 %(period)s") % {"period": period.name}),
        row.currency,
        _payout_amount(row),
    ]


def _payout_amount(row: TransferRow) -> str:
    """The amount to send in the payout currency: CNY as the fen total, else the converted
    amount with the currency's own decimals (0 for XOF, 3 for KWD), no separators."""
    if row.amount_minor is None:
        return format_yuan(row.total_fen)
    return f"{currency.from_minor(row.amount_minor, row.currency):f}"


def transfer_csv(*, period: PayoutPeriod, rows: list[TransferRow]) -> bytes:
    """Rows with nothing to transfer (a total of zero) are left out of the bank file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(_headers())
    number = 0
    for row in rows:
        if row.total_fen <= 0:
            continue
        number += 1
        writer.writerow(_cells(period, number, row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def transfer_xlsx(*, period: PayoutPeriod, rows: list[TransferRow]) -> bytes:
    """The same rows in a workbook: accounts as text cells, amounts as numbers shown 0.00."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("发放明细")
    sheet.append(_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    number = 0
    for row in rows:
        if row.total_fen <= 0:
            continue
        number += 1
        text = _cells(period, number, row)
        sheet.append(
            [
                number,
                text[1],
                text[2],
                fen_to_yuan(row.total_fen),  # Decimal: exact, shown with two decimals
                text[4],
                text[5],
                text[6],
                row.pieces,
                fen_to_yuan(row.earned_fen),
                fen_to_yuan(row.bonus_fen),
                fen_to_yuan(row.deduction_fen),
                fen_to_yuan(row.premium_fen),
                fen_to_yuan(row.recovery_fen),
                text[13],
                text[14],
                currency.from_minor(row.amount_minor, row.currency)
                if row.amount_minor is not None
                else fen_to_yuan(row.total_fen),
            ]
        )
        for cell in sheet[sheet.max_row]:
            if cell.column in {4, 9, 10, 11, 12, 13}:
                cell.number_format = "0.00"
            elif cell.column == 16:
                digits = currency.minor_digits(row.currency)
                cell.number_format = "0." + "0" * digits if digits else "0"
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, even if it starts with "="
    widths = (6, 14, 24, 12, 12, 14, 22, 10, 14, 10, 10, 12, 12, 28, 8, 14)
    for column, width in zip("ABCDEFGHIJKLMNOP", widths, strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def period_transfer_file(*, viewer, period_id: int, kind: str) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of a period's transfer file for ``viewer``."""
    from .selectors import transfer_rows

    period, rows = transfer_rows(viewer=viewer, period_id=period_id)
    stem = f"payout-{period.pk}-{period.starts_on:%Y%m%d}-{period.ends_on:%Y%m%d}"
    if kind == "xlsx":
        return (
            f"{stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            transfer_xlsx(period=period, rows=rows),
        )
    return f"{stem}.csv", "text/csv; charset=utf-8", transfer_csv(period=period, rows=rows)


# --- the merchant's statement --------------------------------------------------------------


def _merchant_headers() -> list[str]:
    return [
        _("订单号"),
        _("产品"),
        _("合格件数（含返工）"),
        _("其中返工合格"),
        _("加工费单价（元）"),
        _("返工单价（元）"),
        _("应付加工费（元）"),
        _("奖励（元）"),
        _("合计应付（元）"),
    ]


def _merchant_cells(row) -> list[str]:
    return [
        str(row.order_id),
        neutralise(row.product),
        str(row.accepted),
        str(row.rework_pieces),
        format_exact(row.fee),
        format_exact(row.rework_fee),
        format_yuan(row.owed_fen),
        format_yuan(row.premium_fen),
        format_yuan(row.total_fen),
    ]


def _merchant_total(statement) -> list[str]:
    return [
        "",
        _("合计"),
        str(statement.accepted),
        str(statement.rework_pieces),
        "",
        "",
        format_yuan(statement.owed_fen),
        format_yuan(statement.premium_fen),
        format_yuan(statement.total_fen),
    ]


def merchant_statement_csv(statement) -> bytes:
    """One row per order and a total row; UTF-8 with a BOM, every field quoted (as above)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(_merchant_headers())
    for row in statement.rows:
        writer.writerow(_merchant_cells(row))
    writer.writerow(_merchant_total(statement))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def merchant_statement_xlsx(statement) -> bytes:
    """The same rows in a workbook: pieces as integers, fees and money as exact decimals."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("应付加工费")
    sheet.append(_merchant_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in statement.rows:
        sheet.append(
            [
                row.order_id,
                neutralise(row.product),
                row.accepted,
                row.rework_pieces,
                row.fee,
                row.rework_fee,
                fen_to_yuan(row.owed_fen),
                fen_to_yuan(row.premium_fen),
                fen_to_yuan(row.total_fen),
            ]
        )
        sheet.cell(sheet.max_row, 2).data_type = "s"
    total = ["", _("合计"), statement.accepted, statement.rework_pieces, None, None]
    sheet.append(
        [
            *total,
            fen_to_yuan(statement.owed_fen),
            fen_to_yuan(statement.premium_fen),
            fen_to_yuan(statement.total_fen),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for cells in sheet.iter_rows(min_row=2):
        cells[4].number_format = cells[5].number_format = "0.00##"
        cells[6].number_format = cells[7].number_format = cells[8].number_format = "0.00"
    for column, width in zip("ABCDEFGHI", (8, 28, 14, 12, 14, 12, 14, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def merchant_statement_file(
    *, viewer, period_id: int, kind: str, merchant_id: int | None = None
) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of the merchant's statement of a period."""
    from .selectors import merchant_statement_get

    statement = merchant_statement_get(viewer=viewer, period_id=period_id, merchant_id=merchant_id)
    period = statement.period
    stem = f"merchant-statement-{period.pk}-{period.starts_on:%Y%m%d}-{period.ends_on:%Y%m%d}"
    if kind == "xlsx":
        return (
            f"{stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            merchant_statement_xlsx(statement),
        )
    return f"{stem}.csv", "text/csv; charset=utf-8", merchant_statement_csv(statement)
