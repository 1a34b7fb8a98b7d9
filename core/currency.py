"""Currencies (ISO 4217) for payouts abroad, from a kept library (Babel's CLDR data).

Amounts in a payout currency are integers of its minor unit (``minor_digits``: 0 for XOF or
JPY, 2 for most, 3 for KWD or TND), as CNY amounts are integer fen. Formatting for people goes
through Babel in the reader's language.
"""

from decimal import ROUND_HALF_UP, Decimal

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.utils.translation import get_language, to_locale

HOME = "CNY"
_KNOWN = frozenset(list_currencies())


def is_known(code: str) -> bool:
    return code in _KNOWN


def minor_digits(code: str) -> int:
    """Decimal places of the currency's minor unit (CLDR's accounting digits)."""
    return get_currency_precision(code)


def to_minor(amount: Decimal, code: str) -> int:
    """An exact amount of ``code`` rounded (half up) to its minor unit, as an integer."""
    scale = Decimal(10) ** minor_digits(code)
    return int((amount * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(amount_minor: int, code: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_digits(code))


def _locale() -> Locale:
    try:
        return Locale.parse(to_locale(get_language() or "zh-hans").replace("zh_Hans", "zh_Hans_CN"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("zh_Hans_CN")


def format_minor(amount_minor: int, code: str) -> str:
    """``12345, "XOF"`` → ``F CFA 12,345`` (as the reader's language writes it)."""
    return format_currency(
        from_minor(amount_minor, code), code, locale=_locale(), currency_digits=True
    )
