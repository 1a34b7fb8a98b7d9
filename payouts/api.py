"""Payout periods, lines, exports and the household statement (no login behind its token)."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from core.pagination import LimitOffsetPagination, paginate
from core.schemas import ErrorOut

from .exports import period_transfer_file
from .schemas import (
    AdjustmentIn,
    AdjustmentOut,
    LineOut,
    PaidIn,
    PeriodDetailOut,
    PeriodIn,
    PeriodOut,
    ShareIn,
    ShareOut,
    StatementOut,
)
from .selectors import adjustment_list, line_list, period_detail, period_list, statement_get
from .services import (
    adjustment_create,
    period_approve,
    period_compute_request,
    period_mark_paid,
    period_open,
    share_config_set,
)
from .statement_pdf import period_statements_pdf, statement_pdf_get

router = Router(tags=["payouts"])


class PeriodFilter(Schema):
    status: str | None = None


class LineFilter(Schema):
    workshop_id: int | None = None
    search: str = ""


def _file(filename: str, content_type: str, body: bytes, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/payouts/periods",
    response={201: PeriodOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="Open a period and compute it (in the background when large; see task_id)",
)
def create_period(request: HttpRequest, payload: PeriodIn):
    period, _job = period_open(actor=request.user, **payload.dict())
    return Status(201, period)


@router.get("/payouts/periods", response=list[PeriodOut], summary="Payout periods (operator)")
@paginate(LimitOffsetPagination)
def list_periods(request: HttpRequest, filters: Query[PeriodFilter]):
    return period_list(viewer=request.user, status=filters.status)


@router.get(
    "/payouts/periods/{period_id}",
    response={200: PeriodDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="Totals and the reconciliation per order and per merchant (operator)",
)
def read_period(request: HttpRequest, period_id: int):
    return period_detail(viewer=request.user, period_id=period_id)


@router.post(
    "/payouts/periods/{period_id}/compute",
    response={200: PeriodOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Recompute a draft (idempotent)",
)
def compute_period(request: HttpRequest, period_id: int):
    period, _job = period_compute_request(period_id=period_id, actor=request.user)
    return period


@router.post(
    "/payouts/periods/{period_id}/approve",
    response={200: PeriodOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Approve and lock a computed period; writes the ledger and the statements",
)
def approve_period(request: HttpRequest, period_id: int):
    return period_approve(period_id=period_id, actor=request.user)


@router.post(
    "/payouts/periods/{period_id}/paid",
    response={200: PeriodOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record that an approved period was paid",
)
def mark_period_paid(request: HttpRequest, period_id: int, payload: PaidIn):
    return period_mark_paid(
        period_id=period_id, actor=request.user, payment_reference=payload.payment_reference
    )


@router.get(
    "/payouts/periods/{period_id}/lines",
    response=list[LineOut],
    summary="Per-household lines (a lead sees its own workshop's only)",
)
@paginate(LimitOffsetPagination)
def list_lines(request: HttpRequest, period_id: int, filters: Query[LineFilter]):
    return line_list(
        viewer=request.user,
        period_id=period_id,
        workshop_id=filters.workshop_id,
        search=filters.search,
    )


@router.get(
    "/payouts/periods/{period_id}/export.csv",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Bank / wallet batch transfer file (UTF-8 with BOM)",
)
def export_csv(request: HttpRequest, period_id: int):
    return _file(*period_transfer_file(viewer=request.user, period_id=period_id, kind="csv"))


@router.get(
    "/payouts/periods/{period_id}/export.xlsx",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="The transfer file as a workbook",
)
def export_xlsx(request: HttpRequest, period_id: int):
    return _file(*period_transfer_file(viewer=request.user, period_id=period_id, kind="xlsx"))


@router.get(
    "/payouts/periods/{period_id}/statements.pdf",
    response={200: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Paper statements with QR codes for a workshop's households",
)
def statements_pdf(request: HttpRequest, period_id: int, workshop_id: int | None = None):
    body = period_statements_pdf(viewer=request.user, period_id=period_id, workshop_id=workshop_id)
    return _file(f"statements-{period_id}.pdf", "application/pdf", body)


@router.get(
    "/payouts/periods/{period_id}/adjustments",
    response=list[AdjustmentOut],
    summary="Bonuses and deductions of a period (operator)",
)
@paginate(LimitOffsetPagination)
def list_adjustments(request: HttpRequest, period_id: int):
    return adjustment_list(viewer=request.user, period_id=period_id)


@router.post(
    "/payouts/periods/{period_id}/adjustments",
    response={201: AdjustmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="A bonus or deduction with its reason (operator)",
)
def create_adjustment(request: HttpRequest, period_id: int, payload: AdjustmentIn):
    return Status(201, adjustment_create(actor=request.user, period_id=period_id, **payload.dict()))


@router.put(
    "/payouts/workshops/{workshop_id}/shares",
    response={200: ShareOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The lead's and service center's shares of a workshop's fee pools (operator)",
)
def set_shares(request: HttpRequest, workshop_id: int, payload: ShareIn):
    return share_config_set(actor=request.user, workshop_id=workshop_id, **payload.dict())


@router.get(
    "/statements/{token}",
    auth=None,
    response={200: StatementOut, 404: ErrorOut},
    summary="One household's statement behind its unguessable link (no login)",
)
def read_statement(request: HttpRequest, token: str):
    return statement_get(token=token)


@router.get(
    "/statements/{token}/pdf",
    auth=None,
    response={200: None, 404: ErrorOut},
    summary="The statement as a printable PDF with its QR code (no login)",
)
def read_statement_pdf(request: HttpRequest, token: str):
    return _file("statement.pdf", "application/pdf", statement_pdf_get(token=token), inline=True)
