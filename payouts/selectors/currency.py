"""Reads for payouts abroad: a period's currencies (rates, households, converted pools) and a
household's converted net. See ``payouts.services.currency`` for the rules."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from core import currency

from ..models import PayoutConversion, PayoutPeriod, PeriodRate


@dataclass(frozen=True)
class CurrencySummary:
    currency: str
    minor_digits: int
    rate: Decimal | None
    source: str
    rate_date: str
    households: int
    net_fen: int  # the CNY the converted households are owed (exact)
    amount_minor: int | None  # their converted pool, once converted at approval

    @property
    def amount_display(self) -> str:
        return (
            ""
            if self.amount_minor is None
            else currency.format_minor(self.amount_minor, self.currency)
        )

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "minor_digits": self.minor_digits,
            "rate": None if self.rate is None else str(self.rate),
            "source": self.source,
            "rate_date": self.rate_date,
            "households": self.households,
            "net_fen": self.net_fen,
            "amount_minor": self.amount_minor,
        }


def period_currency_summary(period: PayoutPeriod, *, needed: dict[str, int] | None = None):
    """One row per foreign currency: converted (approved periods) or needed (before)."""
    rates = {rate.currency: rate for rate in PeriodRate.objects.filter(period=period)}
    converted = {
        row["currency"]: row
        for row in PayoutConversion.objects.filter(period=period)
        .values("currency")
        .annotate(households=Count("pk"), net=Sum("net_fen"), amount=Sum("amount_minor"))
    }
    codes = sorted(set(rates) | set(converted) | set(needed or {}))
    rows = []
    for code in codes:
        rate, done = rates.get(code), converted.get(code)
        rows.append(
            CurrencySummary(
                currency=code,
                minor_digits=currency.minor_digits(code),
                rate=rate.rate if rate else None,
                source=rate.source if rate else "",
                rate_date=rate.rate_date.isoformat() if rate else "",
                households=done["households"] if done else (needed or {}).get(code, 0),
                net_fen=done["net"] if done else 0,
                amount_minor=done["amount"] if done else None,
            )
        )
    return rows


def household_conversion(*, period_id: int, household_id: int) -> PayoutConversion | None:
    return (
        PayoutConversion.objects.select_related("rate")
        .filter(period_id=period_id, household_id=household_id)
        .first()
    )


def conversions_by_household(period_id: int) -> dict[int, PayoutConversion]:
    return {
        conversion.household_id: conversion
        for conversion in PayoutConversion.objects.filter(period_id=period_id)
    }
