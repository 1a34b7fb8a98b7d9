"""Template helpers for the phone pages: the role's navigation, money and progress."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html

from core.media import media_url as _media_url
from core.nav import nav_for

register = template.Library()


@register.simple_tag(takes_context=True)
def role_nav(context) -> list:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return nav_for(request.user, request.path)


@register.filter
def yuan(value) -> str:
    """Money for people: ¥1,234.50 (Decimal in, two places, never a float)."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"¥{amount:,}"


@register.filter
def percent_of(part, whole) -> int:
    """Whole-number percentage for progress bars, 0..100."""
    try:
        part, whole = Decimal(str(part or 0)), Decimal(str(whole or 0))
    except ArithmeticError:
        return 0
    if whole <= 0:
        return 0
    return max(0, min(100, int((part * 100 / whole).to_integral_value(ROUND_HALF_UP))))


@register.filter
def media_url(file, signed: str = "") -> str:
    """A photo's checked address: ``{{ photo.thumbnail|media_url }}``; ``|media_url:"signed"``
    for a page seen without a login (core.media)."""
    return _media_url(file, signed=signed == "signed") if file else ""


@register.filter(expects_localtime=True)
def day(value, fmt: str = "Y-m-d") -> str:
    """A date that never breaks over two lines ("12-⏎29"): ``<time>`` is ``nowrap`` in app.css.
    ``{{ order.deadline|day }}``, ``{{ entry.date|day:"m-d" }}``."""
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_filter(value, fmt))
