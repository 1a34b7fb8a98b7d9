"""Payout periods, lines, exports and the household statement (no login behind its token)."""

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from core.pagination import KeysetPagination, LimitOffsetPagination, paginate
from core.schemas import ErrorOut

from .exports import period_transfer_file
from .extras_schemas import AdvanceIn, AdvanceOut, PremiumRuleIn, PremiumRuleOut
from .schemas import (
    AdjustmentIn,
    AdjustmentOut,
    LineOut,
    MerchantStatementOut,
    PaidIn,
    PeriodApprovalOut,
    PeriodDetailOut,
    PeriodIn,
    PeriodOut,
    ShareIn,
    ShareOut,
    StatementLinkOut,
    StatementOut,
    StatementReissueIn,
    StatementSummaryOut,
)
from .selectors import (
    LINE_KEYS,
    StatementNotFound,
    adjustment_list,
    advance_get,
    advance_list,
    line_list,
    merchant_statement_get,
    period_detail,
    period_list,
    statement_get,
    statement_list,
)
from .services import (
    adjustment_create,
    advance_create,
    period_approve_request,
    period_compute_request,
    period_mark_paid,
    period_open,
    premium_rule_set,
    share_config_set,
    statement_link_reissue,
)
from .statement_pdf import period_statements_pdf, statement_pdf_get

router = Router(tags=["payouts"])


class PeriodFilter(Schema):
    status: str | None = None


class LineFilter(Schema):
    workshop_id: int | None = None
    search: str = Field("", description="household name, number (#12), phone tail or workshop")


class StatementFilter(Schema):
    search: str = ""


class AdvanceFilter(Schema):
    open: bool = Field(True, description="only advances not yet fully recovered")


# Whatever answers behind a statement token (the statement, its PDF, or that it is gone) is
# for that one household only: no shared cache may keep it, and no cache at all, so that a
# replaced link is dead everywhere at once.
NOT_STORED = "no-store, private"


def _file(filename: str, content_type: str, body: bytes, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = NOT_STORED
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
    response={202: PeriodApprovalOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Approve and lock a computed period in the background (ledger, statements); "
    "follow GET /tasks/{task_id}. Sent again while approving: the same job, or a new attempt "
    "if that one was lost",
)
def approve_period(request: HttpRequest, period_id: int):
    period, _job = period_approve_request(period_id=period_id, actor=request.user)
    return Status(202, period)


@router.post(
    "/payouts/periods/{period_id}/paid",
    response={200: PeriodOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record that an approved period was paid, with its payment reference (required: "
    "400 payment_reference_required)",
)
def mark_period_paid(request: HttpRequest, period_id: int, payload: PaidIn):
    return period_mark_paid(
        period_id=period_id,
        actor=request.user,
        payment_reference=payload.payment_reference,
        method=payload.method,
        household_methods={h.household_id: (h.method, h.reference) for h in payload.households},
    )


@router.get(
    "/payouts/periods/{period_id}/merchant-statement",
    response={200: MerchantStatementOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="What a merchant owes per order in an approved period (a merchant: its own; "
    "an operator names the merchant_id)",
)
def read_merchant_statement(request: HttpRequest, period_id: int, merchant_id: int | None = None):
    return merchant_statement_get(viewer=request.user, period_id=period_id, merchant_id=merchant_id)


@router.get(
    "/payouts/periods/{period_id}/lines",
    response=list[LineOut],
    summary="Per-household lines (a lead sees its own workshop's only), in (pool, household) "
    "order; deep pages by cursor: send the answer's `next` as ?after=",
)
@paginate(KeysetPagination, keys=LINE_KEYS)
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


@router.post(
    "/payouts/advances",
    response={201: AdvanceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record an advance paid to a household (its lead or an operator); idempotent by key",
)
def create_advance(request: HttpRequest, payload: AdvanceIn):
    advance = advance_create(actor=request.user, **payload.dict())
    return Status(201, advance_get(viewer=request.user, advance_id=advance.pk))


@router.get(
    "/payouts/advances",
    response=list[AdvanceOut],
    summary="Advances and what is still outstanding on each (operator: all; lead: its workshop)",
)
@paginate(LimitOffsetPagination)
def list_advances(request: HttpRequest, filters: Query[AdvanceFilter]):
    return advance_list(viewer=request.user, open_only=filters.open)


@router.put(
    "/payouts/orders/{order_id}/premium-rule",
    response={200: PremiumRuleOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="An order's premiums per piece: first-inspection acceptance, on time (its merchant "
    "or an operator; periods computed from now on)",
)
def set_premium_rule(request: HttpRequest, order_id: int, payload: PremiumRuleIn):
    return premium_rule_set(actor=request.user, order_id=order_id, **payload.dict())


@router.get(
    "/payouts/periods/{period_id}/statements",
    response=list[StatementSummaryOut],
    summary="A period's household statements, to find one (operator; no links in the list)",
)
@paginate(LimitOffsetPagination)
def list_statements(request: HttpRequest, period_id: int, filters: Query[StatementFilter]):
    return statement_list(viewer=request.user, period_id=period_id, search=filters.search)


@router.post(
    "/payouts/statements/{statement_id}/reissue",
    response={200: StatementLinkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Replace a statement's link (lost slip): the old link is dead at once; no money moves",
)
def reissue_statement_link(request: HttpRequest, statement_id: int, payload: StatementReissueIn):
    return statement_link_reissue(
        statement_id=statement_id, operator=request.user, reason=payload.reason
    )


@router.get(
    "/statements/{token}",
    auth=None,
    response={200: StatementOut, 404: ErrorOut},
    summary="One household's statement behind its unguessable link (no login)",
)
def read_statement(request: HttpRequest, token: str, response: HttpResponse):
    response["Cache-Control"] = NOT_STORED
    try:
        return statement_get(token=token)
    except StatementNotFound as exc:
        return Status(404, exc.body())


@router.get(
    "/statements/{token}/pdf",
    auth=None,
    response={200: None, 404: ErrorOut},
    summary="The statement as a printable PDF with its QR code (no login)",
)
def read_statement_pdf(request: HttpRequest, token: str, response: HttpResponse):
    response["Cache-Control"] = NOT_STORED
    try:
        body = statement_pdf_get(token=token)
    except StatementNotFound as exc:
        return Status(404, exc.body())
    return _file("statement.pdf", "application/pdf", body, inline=True)
