"""A period's figures as its page and its API show them: household and statement counts, the
reconciliation per order and merchant, and the workshops with the most money.

A draft or computed period may still change, so its figures are aggregated on each view. An
approved or paid period cannot: its figures were kept on the period (``PayoutPeriod.figures``)
in the transaction that approved it (``payouts.services.approval``), and every view reads them
instead of re-aggregating the period's outcomes and lines (at national scale a sequential scan
of the year's outcomes, 0.7–2 s per view). ``period_figures_compute`` is the one aggregation,
used by both, so the kept figures are what a re-aggregation gives (tests compare them).
"""

from typing import Any

from django.db.models import Count, Sum

from ..models import PayoutLine, PayoutPeriod, Statement
from ._common import LOCKED_STATUSES
from .reconciliation import period_reconciliation

TOP_WORKSHOPS = 20


def period_workshop_rows(*, period_id: int, limit: int = TOP_WORKSHOPS) -> list[dict]:
    """A period's workshops with the most money: accepted pieces (reworked ones included: the
    same rows the money comes from) and the households' part."""
    rows = (
        PayoutLine.objects.filter(pool__period_id=period_id)
        .values("pool__workshop_id", "pool__workshop__organisation__name")
        .annotate(
            amount=Sum("amount_fen"),
            pieces=Sum("pieces"),
            rework_pieces=Sum("rework_pieces"),
            households=Count("household_id", distinct=True),
        )
        .order_by("-amount", "pool__workshop_id")[:limit]
    )
    return [
        {
            "id": row["pool__workshop_id"],
            "name": row["pool__workshop__organisation__name"],
            "accepted": row["pieces"] + row["rework_pieces"],
            "rework_pieces": row["rework_pieces"],
            "households": row["households"],
            "amount_fen": row["amount"],
        }
        for row in rows
    ]


def period_figures_compute(*, period_id: int) -> dict[str, Any]:
    """Every figure of the period's page, aggregated from its lines, pools and outcomes now
    (JSON-ready: what ``PayoutPeriod.figures`` keeps)."""
    return {
        "household_count": PayoutLine.objects.filter(pool__period_id=period_id)
        .values("household_id")
        .distinct()
        .count(),
        "statement_count": Statement.objects.filter(period_id=period_id).count(),
        "reconciliation": period_reconciliation(period=PayoutPeriod(pk=period_id)),
        "workshops": period_workshop_rows(period_id=period_id),
    }


def period_figures(*, period: PayoutPeriod) -> dict[str, Any]:
    """The kept figures of an approved or paid period; a period that may still change (or one
    locked before figures were kept and not filled since) is aggregated now."""
    if period.status in LOCKED_STATUSES and period.figures is not None:
        return period.figures
    return period_figures_compute(period_id=period.pk)
