"""The small page helpers: money for people, progress percentages, SVG charts."""

from decimal import Decimal

from core.charts import hbar_chart
from core.templatetags.shell import percent_of, yuan


def test_money_is_shown_to_the_fen_with_thousands_separators():
    assert yuan(Decimal("1234.5")) == "¥1,234.50"
    assert yuan(Decimal("0.005")) == "¥0.01"  # half up, as people round
    assert yuan("0.35") == "¥0.35"
    assert yuan(None) == ""


def test_progress_is_a_whole_percentage_kept_between_0_and_100():
    assert percent_of(55, 60) == 92
    assert percent_of(0, 0) == 0
    assert percent_of(120, 100) == 100
    assert percent_of(Decimal("16.7"), 100) == 17


def test_chart_bars_scale_to_the_largest_value_and_labels_are_escaped():
    svg = str(hbar_chart([("<script>", 10), ("拉姆家", 5)], unit="件", title="t"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    widths = [int(part.split('"')[0]) for part in svg.split('width="')[1:]]
    assert widths[0] == 2 * widths[1]
    assert ">10件<" in svg and ">5件<" in svg
    assert str(hbar_chart([], title="t")) == ""
