"""The fair-pay hint: what a fee per piece means per hour, against the minimum hourly wage.

    implied hourly = fee per piece × 60 / standard minutes per piece

compared with the operator-kept ``MinimumWage`` of the province where the work will be done:
the order's target service center's province, or, for an order open to every region, the
highest current minimum among the provinces in the table (any of them may take the work).
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils import timezone

from .models import MinimumWage, Order

CENT = Decimal("0.01")
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


def province_key(name: str) -> str:
    """ "四川省" and "四川" are the same province; "新疆维吾尔自治区" is "新疆"."""
    name = name.strip()
    for suffix in PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def implied_hourly(fee_per_piece: Decimal, standard_minutes: Decimal) -> Decimal:
    return (fee_per_piece * 60 / standard_minutes).quantize(CENT, rounding=ROUND_HALF_UP)


def current_minimum_wages(on: date | None = None) -> dict[str, MinimumWage]:
    """The newest row per province effective on ``on`` (default today)."""
    on = on or timezone.localdate()
    rows: QuerySet[MinimumWage] = MinimumWage.objects.filter(effective_from__lte=on).order_by(
        "province", "-effective_from", "-pk"
    )
    current: dict[str, MinimumWage] = {}
    for row in rows:
        current.setdefault(province_key(row.province), row)
    return current


@dataclass(frozen=True)
class FairPayHint:
    implied_hourly: Decimal
    minimum: MinimumWage | None

    @property
    def below_minimum(self) -> bool:
        return self.minimum is not None and self.implied_hourly < self.minimum.hourly

    def as_detail(self) -> dict:
        return {
            "implied_hourly": str(self.implied_hourly),
            "minimum_hourly": str(self.minimum.hourly) if self.minimum else None,
            "province": self.minimum.province if self.minimum else None,
            "source": self.minimum.source if self.minimum else None,
        }


def fair_pay_hint(
    order: Order, *, on: date | None = None, current: dict[str, MinimumWage] | None = None
) -> FairPayHint:
    """``current`` (from ``current_minimum_wages``) saves the query when hinting many orders."""
    hourly = implied_hourly(order.fee_per_piece, order.standard_minutes)
    if current is None:
        current = current_minimum_wages(on)
    if order.service_center_id is not None:
        minimum = current.get(province_key(order.service_center.province))
    else:
        minimum = max(current.values(), key=lambda row: (row.hourly, row.pk), default=None)
    return FairPayHint(implied_hourly=hourly, minimum=minimum)
