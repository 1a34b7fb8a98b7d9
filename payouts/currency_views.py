"""The operator's rates on a period page: which foreign currencies the period pays in, the rate
locked for each (typed, or a rates file), and after approval each converted pool."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError

from .models import PayoutPeriod
from .money import fen_to_yuan
from .selectors import period_currency_summary
from .services import period_currencies_needed, period_rate_set, period_rates_load
from .services.currency import MAX_RATES_FILE_BYTES, RATE_OPEN_STATUSES

OPERATOR = "operator"


class RateForm(forms.Form):
    currency = forms.CharField(label=gettext_lazy("币种"), min_length=3, max_length=3)
    rate = forms.DecimalField(
        label=gettext_lazy("汇率（每 1 元人民币）"), max_digits=20, decimal_places=8, min_value=0
    )
    source = forms.CharField(label=gettext_lazy("汇率来源"), max_length=200)
    rate_date = forms.DateField(label=gettext_lazy("汇率日期"))


def period_currencies_context(period: PayoutPeriod) -> dict:
    open_ = period.status in RATE_OPEN_STATUSES
    needed = period_currencies_needed(period.pk) if open_ else None
    rows = period_currency_summary(period, needed=needed)
    return {
        "currencies": [
            {"row": row, "net": fen_to_yuan(row.net_fen), "missing": row.rate is None}
            for row in rows
        ],
        "rates_open": open_,
        "rate_form": RateForm(initial={"rate_date": timezone.localdate()}) if open_ else None,
    }


@page(OPERATOR)
def period_rates(request: HttpRequest, period_id: int) -> HttpResponse:
    """One rate typed in, or a rates file (CSV: currency,rate,source,date); a GET goes back
    to the period's page."""
    if request.method != "POST":
        return redirect("payouts:period", period_id=period_id)
    upload = request.FILES.get("rates_file")
    try:
        if upload is not None:
            loaded = period_rates_load(
                actor=request.user,
                period_id=period_id,
                data=upload.read(MAX_RATES_FILE_BYTES + 1),
            )
            messages.success(request, _("已录入 %(n)s 个汇率。") % {"n": len(loaded)})
        else:
            form = RateForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
                return redirect("payouts:period", period_id=period_id)
            data = form.cleaned_data
            rate = period_rate_set(
                actor=request.user,
                period_id=period_id,
                currency_code=data["currency"],
                rate=data["rate"],
                source=data["source"],
                rate_date=data["rate_date"],
            )
            messages.success(
                request,
                _("已录入汇率：1 元 = %(rate)s %(code)s")
                % {"rate": rate.rate.normalize(), "code": rate.currency},
            )
    except ApplicationError as exc:
        rows = exc.detail.get("rows") if isinstance(exc.detail, dict) else None
        messages.error(request, error_text(exc))
        for row in rows or []:
            messages.error(request, _("第 %(row)s 行：%(problems)s") % row)
    return redirect("payouts:period", period_id=period_id)
