"""Reading a village committee's household roster (.xlsx or .csv, as WPS or Excel writes it).

tablib (with openpyxl for .xlsx) reads the file; this module only cleans and checks each cell.
Rules a lead can rely on:

- the first row holds the headers (the template's Chinese names; spaces, ``*`` and full-width
  characters in them do not matter); a header this module does not know is an error at its cell,
  a missing 户主姓名 column is an error at A1;
- every cell is NFKC-normalised (full-width digits and letters become ordinary ones) and
  stripped; a number the spreadsheet stored as a float (13800138000.0, or 1.38E+10 written as
  text) is taken back when it is exact, refused with a message when the spreadsheet has already
  lost digits;
- a row with nothing in it is skipped and counted; every other row is either good or refused,
  and each refusal names its cell (``C14``) and says what is wrong, in the reader's language;
- only the last four characters of an ID number are kept, never the whole number.
"""

import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000

# field, header, example
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "户主姓名", "张秀英"),
    ("phone", "手机号", "13812345678"),
    ("id_tail", "身份证后四位", "123X"),
    ("village", "村", "甲居一村"),
    ("members", "参与人数", "2"),
    ("payment_account", "收款账户", "6217000011112222333"),
    ("payment_account_name", "收款人", "张秀英"),
    ("consent", "同意处理个人信息", "是"),
)
HEADER_TO_FIELD = {header: name for name, header, _example in COLUMNS}
YES = {"是", "同意", "y", "yes", "1", "√", "✓", "true"}
NO = {"否", "不同意", "n", "no", "0", "×", "false", ""}
PHONE = re.compile(r"^1\d{10}$")
ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,40}$")
ID_TAIL = re.compile(r"^\d{3}[\dX]$")
SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$", re.IGNORECASE)
EXACT_FLOAT = 2**53


class RosterUnreadable(Exception):
    """The file as a whole cannot be read (size, format, encoding, rows); the message says why."""


@dataclass
class CellError:
    row: int
    column: str  # the sheet letter, "" for the whole row
    message: str

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "cell": self.cell, "message": self.message}


@dataclass
class Roster:
    rows: list[dict[str, Any]] = field(default_factory=list)  # good rows, with "row"
    errors: list[CellError] = field(default_factory=list)
    empty_rows: int = 0


def template_xlsx() -> bytes:
    """The roster template: the Chinese headers and one example row, every column text."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("农户名册")
    sheet.append([header for _name, header, _example in COLUMNS])
    sheet.append([example for _name, _header, example in COLUMNS])
    for index in range(1, len(COLUMNS) + 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 18
        for cell in sheet[letter]:
            cell.number_format = "@"  # text: WPS keeps phone and account digits as typed
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _load(file_name: str, content: bytes) -> tablib.Dataset:
    if len(content) > MAX_BYTES:
        raise RosterUnreadable(
            _("文件太大（最大 %(mb)s MB），请分成几个文件上传。")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    lower = file_name.lower()
    try:
        if lower.endswith(".xlsx"):
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        if lower.endswith(".csv"):
            for encoding in ("utf-8-sig", "gb18030"):  # WPS saves Chinese CSV as GBK
                try:
                    text = content.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise RosterUnreadable(
                    _("无法识别文件的文字编码，请另存为 UTF-8 的 CSV 或 .xlsx。")
                )
            # tablib drops wholly blank lines; keep them as empty rows so addresses stay true.
            lines = text.splitlines()
            text = "\n".join(line if line.strip() else "," for line in lines)
            return tablib.Dataset().load(text, format="csv")
    except RosterUnreadable:
        raise
    except tablib.InvalidDimensions:
        raise RosterUnreadable(_("有的行填到了表头以外的列，请删去表头外的内容。")) from None
    except Exception:  # a broken file: openpyxl and csv raise many kinds
        raise RosterUnreadable(_("文件无法读取，请用模板另存为 .xlsx 或 .csv。")) from None
    raise RosterUnreadable(_("只接受 .xlsx 或 .csv 文件。"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < EXACT_FLOAT:
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def _digits(value: Any, what: str) -> tuple[str, str | None]:
    """A number-like cell as its digits, or an error when the spreadsheet lost some."""
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= EXACT_FLOAT:
            return "", _(
                "%(what)s被表格软件存成了数字，末尾几位已经丢失；请把这一列设为文本后重新填写。"
            ) % {"what": what}
        return str(int(value)), None
    text = _text(value).replace(" ", "").replace("-", "")
    if SCIENTIFIC.match(text):
        mantissa, _sep, _exp = text.upper().partition("E")
        significant = mantissa.replace(".", "")
        exact = float(text)
        if len(significant) >= len(str(int(exact))) and exact.is_integer():
            return str(int(exact)), None
        return "", _(
            "%(what)s显示成了科学计数法（%(text)s），已经丢了位数；请把这一列设为文本后重新填写。"
        ) % {
            "what": what,
            "text": text,
        }
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text, None


def _clean_cell(name: str, value: Any) -> tuple[Any, str | None]:
    """The cleaned value of one cell, or the message saying what is wrong."""
    if name == "name":
        text = _text(value)
        if not text:
            return "", _("户主姓名不能为空。")
        if len(text) > 60:
            return "", _("户主姓名太长（最多 60 个字）。")
        return text, None
    if name == "phone":
        text, problem = _digits(value, _("手机号"))
        if problem:
            return "", problem
        text = text.removeprefix("+86") if text.startswith("+86") else text
        if len(text) == 13 and text.startswith("86"):
            text = text[2:]
        if text and not PHONE.match(text):
            return "", _("手机号应为 1 开头的 11 位数字（现在是“%(text)s”）。") % {"text": text}
        return text, None
    if name == "id_tail":
        if isinstance(value, float | int) and not isinstance(value, bool):
            text, problem = _digits(value, _("身份证后四位"))
            if problem:
                return "", problem
            text = text.zfill(4) if len(text) < 4 else text  # Excel dropped the leading zeros
        else:
            text = _text(value).replace(" ", "").upper()
            if text.isdigit() and len(text) < 4:  # a CSV of a number column: zeros dropped
                text = text.zfill(4)
        if len(text) in (15, 18):
            text = text[-4:]  # only the tail is kept, never the whole number
        if text and not ID_TAIL.match(text):
            return "", _("身份证后四位应为 4 位数字（最后一位可以是 X）。")
        return text, None
    if name == "village":
        text = _text(value)
        if len(text) > 40:
            return "", _("村名太长（最多 40 个字）。")
        return text, None
    if name == "members":
        text = _text(value)
        if not text:
            return 1, None
        if not text.isdigit() or not 1 <= int(text) <= 20:
            return 1, _("参与人数应为 1 到 20 的整数。")
        return int(text), None
    if name == "payment_account":
        text, problem = _digits(value, _("收款账户"))
        if problem:
            return "", problem
        if text and not ACCOUNT.match(text):
            return "", _("收款账户只能是数字或字母（最多 40 位）。")
        return text, None
    if name == "payment_account_name":
        text = _text(value)
        if len(text) > 60:
            return "", _("收款人太长（最多 60 个字）。")
        return text, None
    if name == "consent":
        text = _text(value).lower()
        if text in YES:
            return True, None
        if text in NO:
            return False, None
        return False, _("请填“是”或“否”。")
    raise AssertionError(name)


def read_roster(*, file_name: str, content: bytes) -> Roster:
    """Every good row cleaned, every bad cell named; RosterUnreadable if the file as a whole
    cannot be read (then nothing about its rows is known)."""
    dataset = _load(file_name, content)
    roster = Roster()
    headers = [
        _text(header).replace("*", "").replace(" ", "") for header in (dataset.headers or [])
    ]
    fields: list[str | None] = []
    for index, header in enumerate(headers, start=1):
        if not header:
            fields.append(None)  # an unnamed column: empty cells only, checked below
            continue
        name = HEADER_TO_FIELD.get(header)
        if name is None or name in fields:
            message = (
                _("重复的列标题“%(h)s”。")
                if name
                else _("不认识的列标题“%(h)s”，请使用模板的列名。")
            ) % {"h": header}
            roster.errors.append(CellError(1, get_column_letter(index), message))
            name = ""  # refused at its header: its cells are not read
        fields.append(name)
    if "name" not in fields:
        roster.errors.append(CellError(1, "A", _("第一行应为表头，且必须有“户主姓名”这一列。")))
        return roster
    if dataset.height > MAX_ROWS:
        raise RosterUnreadable(
            _("一次最多导入 %(max)s 行（这个文件有 %(n)s 行），请分成几个文件上传。")
            % {"max": MAX_ROWS, "n": dataset.height}
        )
    for offset, values in enumerate(dataset, start=2):
        if all(_text(value) == "" for value in values):
            roster.empty_rows += 1
            continue
        row: dict[str, Any] = {"row": offset}
        bad = False
        for index, (name, value) in enumerate(zip(fields, values, strict=False), start=1):
            if name == "":
                continue
            if name is None:
                if _text(value):
                    bad = True
                    roster.errors.append(
                        CellError(offset, get_column_letter(index), _("这一列没有表头。"))
                    )
                continue
            cleaned, problem = _clean_cell(name, value)
            if problem:
                bad = True
                roster.errors.append(CellError(offset, get_column_letter(index), problem))
            row[name] = cleaned
        if not bad:
            for name, _header, _example in COLUMNS:
                row.setdefault(name, _clean_cell(name, None)[0] if name != "name" else "")
            if not row["payment_account_name"]:
                row["payment_account_name"] = row["name"]
            roster.rows.append(row)
    return roster
