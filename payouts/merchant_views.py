"""The merchant's pages for payouts: what it owes per period, per order, for the pieces quality
accepted (the same figures as the period's reconciliation), with CSV and XLSX copies.

Only approved (or paid) periods: before that the figures may still change. Another
merchant's period is 404, as is one that charges this merchant nothing.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import is_operator
from core.access import page

from .exports import merchant_statement_file
from .money import fen_to_yuan, format_exact
from .selectors import merchant_period_list, merchant_statement_get
from .views import download

MERCHANT = "merchant"


@page(MERCHANT)
def merchant_periods(request: HttpRequest) -> HttpResponse:
    periods = merchant_period_list(viewer=request.user)[:36]
    return render(request, "payouts/merchant_periods.html", {"periods": periods})


def _merchant_id(request: HttpRequest) -> int | None:
    """The merchant's own; an operator looking over its shoulder names it (``?merchant=``)."""
    if not is_operator(request.user):
        return None
    merchant = request.GET.get("merchant", "")
    if not merchant.isdigit():
        raise Http404
    return int(merchant)


@page(MERCHANT)
def merchant_statement(request: HttpRequest, period_id: int) -> HttpResponse:
    statement = merchant_statement_get(
        viewer=request.user, period_id=period_id, merchant_id=_merchant_id(request)
    )
    rows = [
        {
            "row": row,
            "fee": format_exact(row.fee),
            "rework_fee": format_exact(row.rework_fee),
            "owed": fen_to_yuan(row.owed_fen),
        }
        for row in statement.rows
    ]
    context = {"statement": statement, "rows": rows, "owed": fen_to_yuan(statement.owed_fen)}
    return render(request, "payouts/merchant_statement.html", context)


@page(MERCHANT)
def merchant_statement_download(request: HttpRequest, period_id: int, kind: str) -> HttpResponse:
    if kind not in {"csv", "xlsx"}:
        raise Http404
    return download(
        *merchant_statement_file(
            viewer=request.user,
            period_id=period_id,
            kind=kind,
            merchant_id=_merchant_id(request),
        )
    )
