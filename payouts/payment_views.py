"""Pages for households' payments: the operator's list of what waits (payments unconfirmed
after ``PAYMENT_CONFIRM_DAYS``, open disputes, each resolved with a note), and the lead's
phone where a household answers "收到了" / "没收到" after its card is scanned or typed, or a
signed slip is photographed. The lead's answers go through the offline queue
(``static/js/offline.js`` → ``POST /api/v1/payouts/answers/bulk``), so they work without signal.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import error_text, page
from core.errors import ApplicationError

from .money import fen_to_yuan
from .selectors import payment_dispute_list, payment_unconfirmed_list
from .selectors.payments import confirm_days
from .services import payment_dispute_resolve


def _rows(payments) -> list[dict]:
    return [{"payment": p, "amount": fen_to_yuan(p.amount_fen)} for p in payments]


@page("operator")
def payment_attention(request: HttpRequest) -> HttpResponse:
    """Payments nobody confirmed in time, and households saying "没收到"."""
    unconfirmed = payment_unconfirmed_list(viewer=request.user)
    disputes = payment_dispute_list(viewer=request.user)
    context = {
        "days": confirm_days(),
        "unconfirmed": _rows(unconfirmed[:200]),
        "unconfirmed_count": unconfirmed.count(),
        "disputes": _rows(disputes[:200]),
    }
    return render(request, "payouts/payments.html", context)


@page("operator")
def payment_resolve(request: HttpRequest, payment_id: int) -> HttpResponse:
    if request.method == "POST":
        try:
            payment_dispute_resolve(
                payment_id=payment_id,
                actor=request.user,
                resolution=request.POST.get("resolution", ""),
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("争议已处理，处理说明已记下。"))
    return redirect("payouts:payments")


@page("lead")
def payment_confirm(request: HttpRequest) -> HttpResponse:
    """The lead's phone: scan or type the household's card, the household taps its answer."""
    return render(request, "payouts/payment_confirm.html", {})
