"""Payouts abroad: a period pays each household in its service center's currency.

Rules (docs/payouts.md, "Payouts abroad"):

- Fees, pools, lines, adjustments, the ledger and the reconciliation stay in CNY fen, exact.
- A household is paid in its workshop's service center's ``payout_currency`` (CNY when none).
- Before approval an operator enters, per foreign currency the period needs, one rate (units
  of the currency for one yuan) with its source and date, or loads a rates file; approval is
  refused (409 ``payout_rate_missing``) while one is missing. Once approval starts the rates
  are locked with the period (409 ``payout_period_locked``).
- At approval each currency's households are converted once, together: their nets' sum in fen
  becomes the currency's pool, converted and rounded (half up) once to the currency's minor
  unit; the pool is then split over the households in proportion to their nets by largest
  remainder (``payouts.money.apportion``, as pools are split today). So the households' amounts
  sum exactly to the converted pool, and each is less than 1.5 minor units from its own exact
  conversion (the pool's one rounding, at most half a unit shared by weight, plus the largest
  remainder's, under one).
- The conversion is written in one transaction (the approval's step after the charges); a
  re-run of a killed approval finds it written and goes on.
"""

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core import currency
from core.errors import BadRequest, Conflict
from workshops.models import Household

from ..models import PayoutAdjustment, PayoutConversion, PayoutLine, PayoutPeriod, PeriodRate
from ..money import apportion
from .periods import PeriodLocked, _period_for_update

Status = PayoutPeriod.Status
RATE_OPEN_STATUSES = {Status.DRAFT, Status.COMPUTING, Status.COMPUTED}
MAX_RATE = Decimal("1000000000")
MAX_RATES_FILE_BYTES = 64 * 1024


class RateInvalid(BadRequest):
    code = "payout_rate_invalid"
    message = _("汇率有误：请填写发放币种、大于零的汇率、来源和不晚于今天的日期。")


class RatesFileInvalid(BadRequest):
    code = "payout_rates_file_invalid"
    message = _("汇率文件有误：请看每一行的说明，改好后重新上传（一行也没有录入）。")


class RateMissing(Conflict):
    code = "payout_rate_missing"
    message = _("还有发放币种没有录入本期汇率，不能审核。")


def household_currencies(household_ids) -> dict[int, str]:
    """Each household's payout currency: its workshop's service center's (CNY without one)."""
    return {
        pk: code or currency.HOME
        for pk, code in Household.objects.filter(pk__in=list(household_ids)).values_list(
            "pk", "workshop__organisation__service_center__payout_currency"
        )
    }


def period_currencies_needed(period_id: int) -> dict[str, int]:
    """Foreign currency → how many of the period's households are paid in it (one grouped
    query: the households' currencies as ``household_currencies`` reads them)."""
    code = "workshop__organisation__service_center__payout_currency"
    in_period = Q(
        pk__in=PayoutLine.objects.filter(pool__period_id=period_id).values("household_id")
    ) | Q(pk__in=PayoutAdjustment.objects.filter(period_id=period_id).values("household_id"))
    rows = (
        Household.objects.filter(in_period)
        .exclude(**{f"{code}__isnull": True})
        .exclude(**{f"{code}__in": ["", currency.HOME]})
        .values(code)
        .annotate(households=Count("pk"))
        .values_list(code, "households")
    )
    return dict(sorted(rows))


def _clean_rate(raw_currency: str, raw_rate, source: str, rate_date) -> tuple[str, Decimal, str]:
    code = (raw_currency or "").strip().upper()
    problems = {}
    if not currency.is_known(code) or code == currency.HOME:
        problems["currency"] = code
    try:
        rate = Decimal(str(raw_rate).strip())
    except (InvalidOperation, ValueError):
        rate = Decimal(0)
    if not rate.is_finite() or not Decimal(0) < rate < MAX_RATE or rate.as_tuple().exponent < -8:
        problems["rate"] = str(raw_rate)
    source = (source or "").strip()
    if not source or len(source) > 200:
        problems["source"] = source[:40]
    if not isinstance(rate_date, date) or rate_date > timezone.localdate():
        problems["rate_date"] = str(rate_date)
    if problems:
        raise RateInvalid(detail=problems)
    return code, rate, source


def _open_period(period_id: int) -> PayoutPeriod:
    period = _period_for_update(period_id)
    if period.status not in RATE_OPEN_STATUSES:
        raise PeriodLocked(detail={"period_id": period_id, "status": period.status})
    return period


@transaction.atomic
def period_rate_set(
    *, actor: User, period_id: int, currency_code: str, rate, source: str, rate_date: date
) -> PeriodRate:
    """An operator enters (or corrects, until approval) one currency's rate for a period."""
    ensure_role(actor, User.Role.OPERATOR)
    period = _open_period(period_id)
    code, value, source = _clean_rate(currency_code, rate, source, rate_date)
    entry, _created = PeriodRate.objects.update_or_create(
        period=period,
        currency=code,
        defaults={
            "rate": value,
            "source": source,
            "rate_date": rate_date,
            "entered_by": actor,
            "entered_at": timezone.now(),
        },
    )
    return entry


@transaction.atomic
def period_rates_load(*, actor: User, period_id: int, data: bytes) -> list[PeriodRate]:
    """A rates file: CSV (UTF-8, a header ``currency,rate,source,date``, the date as
    YYYY-MM-DD), all rows or none: any bad row refuses the file with every row's problem."""
    ensure_role(actor, User.Role.OPERATOR)
    period = _open_period(period_id)
    if len(data) > MAX_RATES_FILE_BYTES:
        raise RatesFileInvalid(detail={"rows": [], "max_bytes": MAX_RATES_FILE_BYTES})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RatesFileInvalid(
            detail={"rows": [{"row": 1, "problems": {"encoding": "utf-8"}}]}
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if header[:4] != ["currency", "rate", "source", "date"]:
        raise RatesFileInvalid(detail={"rows": [{"row": 1, "problems": {"header": header}}]})
    rows, problems, seen = [], [], set()
    for number, row in enumerate(reader, start=2):
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        try:
            rate_date = date.fromisoformat(values.get("date", ""))
        except ValueError:
            rate_date = None
        try:
            code, value, source = _clean_rate(
                values.get("currency", ""),
                values.get("rate", ""),
                values.get("source", ""),
                rate_date,
            )
        except RateInvalid as error:
            problems.append({"row": number, "problems": error.detail})
            continue
        if code in seen:
            problems.append({"row": number, "problems": {"currency": f"{code} twice"}})
            continue
        seen.add(code)
        rows.append((code, value, source, rate_date))
    if problems or not rows:
        raise RatesFileInvalid(detail={"rows": problems})
    now = timezone.now()
    PeriodRate.objects.bulk_create(
        [
            PeriodRate(
                period=period,
                currency=code,
                rate=value,
                source=source,
                rate_date=rate_date,
                entered_by=actor,
                entered_at=now,
            )
            for code, value, source, rate_date in rows
        ],
        update_conflicts=True,
        unique_fields=["period", "currency"],
        update_fields=["rate", "source", "rate_date", "entered_by", "entered_at"],
    )
    return list(
        PeriodRate.objects.filter(period=period, currency__in=[row[0] for row in rows]).order_by(
            "currency"
        )
    )


def rates_check(period_id: int) -> None:
    """Approval's guard: every foreign currency the period pays in has a rate."""
    have = set(PeriodRate.objects.filter(period_id=period_id).values_list("currency", flat=True))
    missing = sorted(set(period_currencies_needed(period_id)) - have)
    if missing:
        raise RateMissing(detail={"period_id": period_id, "currencies": missing})


def conversions_recorded(period: PayoutPeriod) -> bool:
    return PayoutConversion.objects.filter(period=period).exists()


def conversions_record(*, period: PayoutPeriod, totals: dict[int, int]) -> int:
    """Convert each foreign-paid household's net once (see the module's docstring); in the
    caller's transaction. Returns how many households were converted."""
    rates = {rate.currency: rate for rate in PeriodRate.objects.filter(period=period)}
    by_currency: dict[str, list[int]] = defaultdict(list)
    for household_id, code in sorted(household_currencies(totals).items()):
        if code != currency.HOME:
            by_currency[code].append(household_id)
    rows = []
    for code, household_ids in by_currency.items():
        rate = rates.get(code)
        if rate is None:
            raise RateMissing(detail={"period_id": period.pk, "currencies": [code]})
        nets = [max(0, totals[pk]) for pk in household_ids]
        pool_minor = currency.to_minor(Decimal(sum(nets)) / 100 * rate.rate, code)
        for household_id, net, amount in zip(
            household_ids, nets, apportion(pool_minor, nets), strict=True
        ):
            rows.append(
                PayoutConversion(
                    period=period,
                    household_id=household_id,
                    rate=rate,
                    currency=code,
                    net_fen=net,
                    amount_minor=amount,
                )
            )
    PayoutConversion.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
