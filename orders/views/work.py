"""Pages for workshop leads: open batches, claim, my batches, hand out work and take it back.

Every write goes through orders.services, every read through orders.selectors: the same
calls the API makes. Forms post normally and answer with a redirect; with htmx, the claim
button swaps its card for the answer instead of reloading the list.
"""

import uuid

from django import forms
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError
from core.privacy import phone_tail
from workshops.models import Household
from workshops.selectors import household_list

from .. import errors
from ..fair_pay import implied_hourly
from ..models import Batch
from ..readers import material_lots_of_batch
from ..selectors import (
    batch_get,
    batch_list,
    ticket_list,
)
from ..services import (
    batch_claim,
    batch_mark_returned,
    batch_start_production,
    ticket_issue,
    ticket_return_correct,
    ticket_return_record,
)

LEAD = "lead"
OPEN_PAGE = 20  # open batches per page on /work/
MAX_OFFSET = 100_000
NUMERIC = {"inputmode": "numeric"}
HELD = [Batch.Status.CLAIMED, Batch.Status.IN_PRODUCTION, Batch.Status.RETURNED]


def _with_earnings(batches: list[Batch]) -> list[Batch]:
    """What a batch means to a household: ¥ per hour and ¥ for the whole batch."""
    prefetch_related_objects(batches, "order__photos")
    for batch in batches:
        batch.hourly = implied_hourly(batch.order.fee_per_piece, batch.order.standard_minutes)
        batch.batch_fee = batch.order.fee_per_piece * batch.quantity
        batch.photos = list(batch.order.photos.all())
        batch.photo = batch.photos[0] if batch.photos else None
        batch.hours = batch.quantity * batch.order.standard_minutes / 60
    return batches


def household_choice(household: Household) -> str:
    """A household as the picker shows it: two of one name are told apart by the number, the
    village and the phone's last four digits (never the whole number)."""
    parts = [household.name, _("%(number)s号") % {"number": household.pk}]
    if household.village:
        parts.append(household.village)
    if tail := phone_tail(household.phone):
        parts.append(_("尾号%(tail)s") % {"tail": tail})
    return " · ".join(parts)


# --- workshop lead ------------------------------------------------------------------------


@page(LEAD)
def open_batches(request: HttpRequest) -> HttpResponse:
    """The batches this workshop may claim, best first, a page at a time (filtered, sorted and
    sliced in the database: thousands may be open at once, a phone on slow 3G wants 20)."""
    offset = _offset(request)
    claimable = batch_list(viewer=request.user, status=Batch.Status.OPEN)
    rows = list(claimable[offset : offset + OPEN_PAGE + 1])
    batches = _with_earnings(rows[:OPEN_PAGE])
    more = offset + OPEN_PAGE if len(rows) > OPEN_PAGE else None
    earlier = max(0, offset - OPEN_PAGE) if offset else None
    return render(
        request,
        "orders/open_batches.html",
        {"batches": batches, "offset": offset, "more": more, "earlier": earlier},
    )


def _offset(request: HttpRequest) -> int:
    """``?from=40``: where the page starts; anything else is the first page."""
    raw = request.GET.get("from", "")
    return min(int(raw), MAX_OFFSET) if raw.isdigit() else 0


@page(LEAD)
def claim(request: HttpRequest, batch_id: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("orders:open_batches")
    try:
        batch = batch_claim(actor=request.user, batch_id=batch_id)
    except errors.BatchAlreadyClaimed:
        outcome = {"won": False, "message": _("慢了一步：这个批次刚被别的工坊认领了。")}
    except ApplicationError as exc:
        outcome = {"won": False, "message": error_text(exc)}
    else:
        outcome = {
            "won": True,
            "batch": batch,
            "message": _("认领成功！请等待送料，收到材料后扫码。"),
        }
    if request.htmx:
        return render(request, "orders/_claim_result.html", outcome)
    if outcome["won"]:
        messages.success(request, outcome["message"])
        return redirect("orders:batch", batch_id=batch_id)
    messages.error(request, outcome["message"])
    return redirect("orders:open_batches")


@page(LEAD)
def my_batches(request: HttpRequest) -> HttpResponse:
    batches = batch_list(viewer=request.user).filter(status__in=HELD)  # not a year of them
    return render(request, "orders/my_batches.html", {"batches": batches})


class TicketIssueForm(forms.Form):
    household = forms.TypedChoiceField(label=gettext_lazy("农户"), coerce=int)
    quantity = forms.IntegerField(
        label=gettext_lazy("发放件数"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "num"}),
    )
    key = forms.UUIDField(widget=forms.HiddenInput)


class TicketReturnForm(forms.Form):
    returned = forms.IntegerField(
        label=gettext_lazy("交回件数"),
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "num"}),
    )
    lost = forms.IntegerField(
        label=gettext_lazy("损耗件数"),
        min_value=0,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    loss_reason = forms.CharField(label=gettext_lazy("损耗原因"), max_length=200, required=False)
    key = forms.UUIDField(widget=forms.HiddenInput)


class TicketCorrectionForm(forms.Form):
    """−N or +N as a direction and a count: a phone's number pad often has no minus sign."""

    direction = forms.ChoiceField(
        label=gettext_lazy("记错了"),
        choices=[
            ("-", gettext_lazy("多记了，减去")),
            ("+", gettext_lazy("少记了，补上")),
        ],
    )
    pieces = forms.IntegerField(
        label=gettext_lazy("件数"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "num"}),
    )
    reason = forms.CharField(label=gettext_lazy("更正原因（必填）"), max_length=200)
    key = forms.UUIDField(widget=forms.HiddenInput)

    @property
    def returned_change(self) -> int:
        pieces = self.cleaned_data["pieces"]
        return -pieces if self.cleaned_data["direction"] == "-" else pieces


def _batch_page(
    request: HttpRequest,
    batch_id: int,
    issue_form=None,
    return_forms=None,
    correction_forms=None,
    status: int = 200,
):
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    held = batch.status != Batch.Status.OPEN
    tickets = list(ticket_list(viewer=request.user, batch_id=batch_id, batch=batch)) if held else []
    prefetch_related_objects(tickets, "returns", "corrections")
    remaining = batch.quantity - sum(t.issued for t in tickets)
    in_production = batch.status == Batch.Status.IN_PRODUCTION
    # The picker of households (up to 400 in a big workshop) only where work can be handed out.
    households = (
        list(
            household_list(viewer=request.user, workshop_id=batch.workshop_id).prefetch_related(
                None
            )
        )
        if batch.workshop_id and in_production and remaining > 0
        else []
    )
    if issue_form is None:
        issue_form = TicketIssueForm(initial={"key": uuid.uuid4()})
    issue_form.fields["household"].choices = [(h.pk, household_choice(h)) for h in households]
    return_forms = return_forms or {}
    correction_forms = correction_forms or {}
    for ticket in tickets:
        ticket.form = return_forms.get(ticket.pk) or TicketReturnForm(
            initial={"key": uuid.uuid4(), "returned": ticket.outstanding, "lost": 0},
            prefix=f"t{ticket.pk}",
        )
        ticket.correction_form = correction_forms.get(ticket.pk) or TicketCorrectionForm(
            initial={"key": uuid.uuid4()}, prefix=f"c{ticket.pk}"
        )
        ticket.history = sorted(
            [*ticket.returns.all(), *ticket.corrections.all()],
            key=lambda row: (row.recorded_at, row.pk),
        )
    materials = (
        material_lots_of_batch(batch_id=batch.pk, workshop_id=batch.workshop_id) if held else []
    )
    context = {
        "batch": _with_earnings([batch])[0],
        "tickets": tickets,
        "issue_form": issue_form,
        "remaining": remaining,
        "materials": materials,
        "materials_in_transit": [lot for lot in materials if not lot.received],
        "receive_key": uuid.uuid4(),
        "can_issue": in_production and remaining > 0,
        "in_production": in_production,
        "card_work_endpoint": reverse("api:record_card_work_bulk"),
        "can_correct": in_production,
        "can_finish": in_production
        and tickets
        and all(t.outstanding == 0 for t in tickets)
        and remaining == 0,
    }
    return render(request, "orders/batch.html", context, status=status)


@page(LEAD)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch: before claiming, what the work is (spec, photos, materials, deadline, pay);
    once held, materials arriving, tickets, returns and their corrections."""
    return _batch_page(request, batch_id)


@page(LEAD)
def batch_start(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Materials came without a label to scan: the lead starts production by hand."""
    if request.method == "POST":
        try:
            batch_start_production(batch_id=batch_id, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("批次开工了：可以发活给农户了。"))
    return redirect("orders:batch", batch_id=batch_id)


@page(LEAD)
def ticket_new(request: HttpRequest, batch_id: int) -> HttpResponse:
    form = TicketIssueForm(request.POST or None)
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    form.fields["household"].choices = [
        (h.pk, household_choice(h))
        for h in household_list(viewer=request.user, workshop_id=batch.workshop_id)
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket, _created = ticket_issue(
                actor=request.user,
                batch_id=batch_id,
                household_id=data["household"],
                quantity=data["quantity"],
                idempotency_key=data["key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已发给 %(household)s %(count)s 件。")
                % {"household": ticket.household.name, "count": ticket.issued},
            )
            return redirect("orders:batch", batch_id=batch_id)
    return _batch_page(request, batch_id, issue_form=form)


@page(LEAD)
def ticket_return(request: HttpRequest, batch_id: int, ticket_id: int) -> HttpResponse:
    form = TicketReturnForm(request.POST or None, prefix=f"t{ticket_id}")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket_return_record(
                actor=request.user,
                ticket_id=ticket_id,
                returned=data["returned"],
                lost=data["lost"] or 0,
                loss_reason=data["loss_reason"],
                idempotency_key=data["key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("已记录交回 %(count)s 件。") % {"count": data["returned"]})
            return redirect("orders:batch", batch_id=batch_id)
    return _batch_page(request, batch_id, return_forms={ticket_id: form})


@page(LEAD)
def batch_finish(request: HttpRequest, batch_id: int) -> HttpResponse:
    if request.method == "POST":
        try:
            batch_mark_returned(batch_id=batch_id, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("全部收回。下一步：打包成货批，贴上标签交给服务中心。"))
    return redirect("orders:batch", batch_id=batch_id)


@page(LEAD)
def ticket_correct(request: HttpRequest, batch_id: int, ticket_id: int) -> HttpResponse:
    """A wrong return corrected by a new entry (−N or +N, with a reason), never an edit."""
    form = TicketCorrectionForm(request.POST or None, prefix=f"c{ticket_id}")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row, _created = ticket_return_correct(
                actor=request.user,
                ticket_id=ticket_id,
                returned_change=form.returned_change,
                reason=data["reason"],
                idempotency_key=data["key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已更正交回件数 %(change)+d，原记录保留。") % {"change": row.returned_change},
            )
            return redirect("orders:batch", batch_id=batch_id)
    return _batch_page(request, batch_id, correction_forms={ticket_id: form})
