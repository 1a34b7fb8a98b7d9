"""Payouts abroad over the API: a period's currencies and the rates locked on it."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from accounts.permissions import ensure_role
from core.schemas import ErrorOut, InSchema

from .selectors import period_currency_summary, period_get
from .services import period_currencies_needed, period_rate_set, period_rates_load
from .services.currency import MAX_RATES_FILE_BYTES, RATE_OPEN_STATUSES

router = Router(tags=["payouts"])


class PeriodCurrencyOut(Schema):
    currency: str = Field(..., description="ISO 4217")
    minor_digits: int = Field(..., description="decimals of the currency's minor unit: 0, 2 or 3")
    rate: str | None = Field(None, description="units of the currency for 1 CNY (exact decimal)")
    source: str
    rate_date: str
    households: int
    net_fen: int = Field(..., description="the CNY (fen) converted; 0 before approval")
    amount_minor: int | None = Field(
        None, description="the converted pool in minor units; null before approval"
    )


class RateIn(InSchema):
    rate: Decimal = Field(..., gt=0, max_digits=20, decimal_places=8)
    source: str = Field(..., min_length=1, max_length=200)
    rate_date: date


WRITE_RESPONSES = {
    200: list[PeriodCurrencyOut],
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


def _summary(request: HttpRequest, period_id: int) -> list[dict]:
    ensure_role(request.user, "operator")
    period = period_get(viewer=request.user, period_id=period_id)
    needed = period_currencies_needed(period.pk) if period.status in RATE_OPEN_STATUSES else None
    return [row.as_dict() for row in period_currency_summary(period, needed=needed)]


@router.get(
    "/payouts/periods/{period_id}/currencies",
    response={200: list[PeriodCurrencyOut], 403: ErrorOut, 404: ErrorOut},
    summary="The foreign currencies a period pays in: rate, households, converted pool",
)
def read_period_currencies(request: HttpRequest, period_id: int):
    return _summary(request, period_id)


@router.put(
    "/payouts/periods/{period_id}/rates/{currency}",
    response={
        200: list[PeriodCurrencyOut],
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    summary="Lock one currency's rate on a period before approval (400 payout_rate_invalid; "
    "409 payout_period_locked once approval started)",
)
def set_period_rate(request: HttpRequest, period_id: int, currency: str, payload: RateIn):
    period_rate_set(
        actor=request.user,
        period_id=period_id,
        currency_code=currency,
        rate=payload.rate,
        source=payload.source,
        rate_date=payload.rate_date,
    )
    return _summary(request, period_id)


@router.post(
    "/payouts/periods/{period_id}/rates-file",
    response={
        200: list[PeriodCurrencyOut],
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    summary="Load a rates file (CSV: currency,rate,source,date): every row or none "
    "(400 payout_rates_file_invalid with each bad row)",
)
def load_period_rates(request: HttpRequest, period_id: int, file: File[UploadedFile]):
    period_rates_load(
        actor=request.user, period_id=period_id, data=file.read(MAX_RATES_FILE_BYTES + 1)
    )
    return _summary(request, period_id)
