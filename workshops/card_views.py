"""The household card pages (a workshop's lead, and operators): every household with its card
code, the A4 sheet of cards to print, and re-issuing one lost card (with a reason) then
printing it alone. Reads through ``workshops.selectors``, the write through
``household_card_reissue``: the same calls as the API.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError

from .card_sheets import card_pdf_response
from .selectors import (
    card_holder_get,
    card_holders,
    lead_workshop_id,
    retired_cards,
    workshop_get,
)
from .services import household_card_reissue

LEAD = "lead"


class CardReissueForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("补发原因（必填，如：丢失、损坏）"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _workshop_id(request: HttpRequest, workshop_id: int | None) -> int:
    return workshop_id if workshop_id is not None else lead_workshop_id(viewer=request.user)


@page(LEAD)
def cards(request: HttpRequest, workshop_id: int | None = None) -> HttpResponse:
    """The workshop's households with their codes; print all cards, or re-issue one."""
    workshop = workshop_get(viewer=request.user, workshop_id=_workshop_id(request, workshop_id))
    households = list(card_holders(viewer=request.user, workshop_id=workshop.pk))
    return render(request, "workshops/cards.html", {"workshop": workshop, "households": households})


@page(LEAD)
def card_sheet(request: HttpRequest, workshop_id: int | None = None) -> HttpResponse:
    workshop_id = _workshop_id(request, workshop_id)
    households = list(card_holders(viewer=request.user, workshop_id=workshop_id))
    return card_pdf_response(households, filename=f"cards-workshop-{workshop_id}")


@page(LEAD)
def card_one(request: HttpRequest, household_id: int) -> HttpResponse:
    household = card_holder_get(viewer=request.user, household_id=household_id)
    return card_pdf_response([household], filename=f"card-household-{household.pk}")


@page(LEAD)
def card_reissue(request: HttpRequest, household_id: int) -> HttpResponse:
    """A lost or damaged card: a new code at once (the old one stops working), then print it."""
    household = card_holder_get(viewer=request.user, household_id=household_id)
    form = CardReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = household_card_reissue(
                actor=request.user, household_id=household.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已补发新卡：%(code)s。旧卡已停用，请打印新卡交给农户。")
                % {"code": household.card_display},
            )
            return redirect("workshops:card_reissue", household_id=household.pk)
    context = {
        "household": household,
        "form": form,
        "retired": list(retired_cards(household=household)),
    }
    return render(request, "workshops/card_reissue.html", context)
