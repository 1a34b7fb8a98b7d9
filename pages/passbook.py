"""The household's passbook behind its card: ``/p/<card>/``, no login.

The card's QR opens it; the page first asks for the second factor (the head's birth year or the
phone's last four digits; see ``passbook_guard`` for the lockout). Then the household sees its
whole record (``passbook_data``), newest first, and answers for its payments with a big
"收到了" (or "没收到"). Every answer of the page is ``Cache-Control: no-store`` and never leaks
the card in a Referer. A retired or unknown card gets a friendly page saying where to turn.
"""

import uuid
from contextlib import contextmanager

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from core.access import error_text
from core.errors import ApplicationError
from core.locales import language_codes, zone
from payouts.models import PaymentAnswer
from payouts.services import payment_answer_record
from workshops import cards
from workshops.selectors import (
    CardRetired,
    household_by_card,
    household_language,
    household_time_zone,
)

from . import passbook_guard as guard
from .passbook_data import passbook_get


class FactorForm(forms.Form):
    factor = forms.CharField(
        label=gettext_lazy("户主出生年份，或手机号后四位"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )


class AnswerForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(choices=PaymentAnswer.Answer.choices)
    payment = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _household(request: HttpRequest, code: str):
    """The card's household, or the friendly page answering instead."""
    try:
        household = household_by_card(raw_code=code)
    except CardRetired:
        page = render(request, "pages/passbook_missing.html", {"retired": True}, status=404)
        return None, _private(page)
    except ApplicationError:
        page = render(request, "pages/passbook_missing.html", {"retired": False}, status=404)
        return None, _private(page)
    return household, None


@csrf_protect
@require_http_methods(["GET", "POST"])
def passbook(request: HttpRequest, code: str) -> HttpResponse:
    try:
        canonical = cards.normalise(code)
    except cards.CardCodeError:
        canonical = None
    if canonical and canonical != code:
        return redirect("pages:passbook", code=canonical)
    household, missing = _household(request, code)
    if missing is not None:
        return missing
    with _households_locale(request, household) as language:
        response = _passbook_view(request, household, code)
    response["Content-Language"] = language
    return response


@contextmanager
def _households_locale(request: HttpRequest, household):
    """The household's language (unless the reader picked one with the switch: the cookie
    wins) and its local time, as on its statement."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in language_codes():
        language = translation.get_language()
    else:
        language = household_language(household)
    with translation.override(language), timezone.override(zone(household_time_zone(household))):
        yield language


def _passbook_view(request: HttpRequest, household, code: str) -> HttpResponse:
    if guard.session_is_open(request, code) and request.method == "GET":
        return _passbook_page(request, household, code)
    form = FactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        matched, gate = guard.check_factor(request, household, code, form.cleaned_data["factor"])
        if matched:
            response = redirect("pages:passbook", code=code)
            guard.open_session(response, code)
            return _private(response)
        status = 429 if gate.locked_until else 403
        if not gate.locked_until:
            form.add_error(
                "factor",
                _("不对，请再试一次（还可以试 %(n)s 次）。") % {"n": gate.tries_left},
            )
    gate = guard.gate(request, code)
    if gate.locked_until and request.method == "GET":
        status = 429
    context = {
        "form": form,
        "household": household,
        "gate": gate,
        "has_factor": guard.has_factor(household),
        "card": cards.display(code),
    }
    return _private(render(request, "pages/passbook_gate.html", context, status=status))


def _passbook_page(request: HttpRequest, household, code: str, status: int = 200) -> HttpResponse:
    book = passbook_get(household=household)
    context = {
        "book": book,
        "card": cards.display(code),
        "code": code,
        "key": uuid.uuid4(),
        "print": request.GET.get("print") == "1",
    }
    return _private(render(request, "pages/passbook.html", context, status=status))


@csrf_protect
@require_POST
def passbook_answer(request: HttpRequest, code: str) -> HttpResponse:
    """The household's "收到了" / "没收到" from its passbook (its open session only)."""
    household, missing = _household(request, code)
    if missing is not None:
        return missing
    if not guard.session_is_open(request, code):
        return redirect("pages:passbook", code=code)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _private(redirect("pages:passbook", code=code))
    data = form.cleaned_data
    try:
        result = payment_answer_record(
            household_id=household.pk,
            answer=data["answer"],
            via=PaymentAnswer.Via.PASSBOOK,
            key=data["key"],
            payment_ids=[data["payment"]] if data["payment"] else None,
        )
    except ApplicationError as exc:
        messages.info(request, error_text(exc))
    else:
        if result.answer.answer == PaymentAnswer.Answer.RECEIVED:
            messages.success(request, _("谢谢！已记下：您收到了这笔钱。"))
        else:
            messages.warning(request, _("已记下：您没收到。工作人员会联系您核对。"))
    return _private(redirect("pages:passbook", code=code))
