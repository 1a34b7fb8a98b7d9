# ruff: noqa: E501 - the invariants are SQL, one statement to a string, and rows are dicts
"""Monthly payout periods, computed, approved and paid by the real payout services."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from ._base import DAY, World


def make_payouts(world: World, echo) -> None:
    """Monthly periods through the real services: compute, approve, pay (the last month is
    approved but not yet paid; this month is a draft)."""
    from accounts.models import User
    from payouts.services import period_approve, period_compute, period_create, period_mark_paid

    operator = User.objects.get(pk=world.operator)
    tz = timezone.get_current_timezone()
    first = world.start.astimezone(tz).date()
    today = world.now.astimezone(tz).date()
    this_month = today.replace(day=1)
    starts = first
    periods = []
    while starts < this_month:
        nxt = (starts.replace(day=1) + timedelta(days=32)).replace(day=1)
        periods.append((starts, nxt - DAY))
        starts = nxt
    for i, (starts_on, ends_on) in enumerate(periods):
        began = time.perf_counter()
        period = period_create(
            actor=operator, name=f"{starts_on:%Y年%m月}结算", starts_on=starts_on, ends_on=ends_on
        )
        period = period_compute(period_id=period.pk, actor=operator)
        computed = time.perf_counter() - began
        period = period_approve(period_id=period.pk, actor=operator)
        approved = time.perf_counter() - began - computed
        if i < len(periods) - 1:
            period_mark_paid(
                period_id=period.pk, actor=operator, payment_reference=f"BANK-{starts_on:%Y%m}"
            )
        echo(
            f"    period {starts_on:%Y-%m}: {period.pieces + period.rework_pieces:>11,} pieces ¥{period.gross_fen / 100:>14,.2f}  compute {computed:5.1f} s  approve {approved:5.1f} s",
            flush=True,
        )
    period_create(
        actor=operator,
        name=f"{this_month:%Y年%m月}结算",
        starts_on=this_month,
        ends_on=(this_month + timedelta(days=32)).replace(day=1) - DAY,
    )
