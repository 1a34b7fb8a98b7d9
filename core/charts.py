"""Charts as server-rendered SVG: a few hundred bytes each, no chart library on the phone.

Horizontal bars suit a narrow screen: one row per label, the value printed at the bar's end.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 340
ROW = 30
LABEL_W = 110
BAR_MAX = WIDTH - LABEL_W - 56


def _fmt(value: Decimal | int, unit: str) -> str:
    if isinstance(value, Decimal):
        whole = value == value.to_integral()
        value = value.quantize(Decimal(1) if whole else Decimal("0.1"))
    return f"{value}{unit}"


def hbar_chart(
    rows: Sequence[tuple[str, Decimal | int]],
    *,
    unit: str = "",
    maximum: Decimal | int | None = None,
    title: str = "",
    colour: str = "#1e7d32",
) -> SafeString:
    """An accessible horizontal bar chart (role=img with a title; each bar has its number)."""
    if not rows:
        return SafeString("")
    top = maximum if maximum is not None else max((value for _label, value in rows), default=0)
    top = top or 1
    height = ROW * len(rows) + 8
    bars = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="0" y="19">{}</text>'
        '<rect x="{}" y="6" width="{}" height="18" rx="3" fill="{}"></rect>'
        '<text x="{}" y="19">{}</text></g>',
        (
            (
                index * ROW + 4,
                label[:8],
                LABEL_W,
                max(1, int(BAR_MAX * Decimal(value) / Decimal(top))),
                colour,
                LABEL_W + max(1, int(BAR_MAX * Decimal(value) / Decimal(top))) + 6,
                _fmt(value, unit),
            )
            for index, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        height,
        title,
        title,
        bars,
    )
