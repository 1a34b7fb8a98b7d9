"""Pages for workshop leads (claim, hand out, take back) and merchants (publish, follow).

Every write goes through orders.services, every read through orders.selectors: the same
calls the API makes. Forms post normally and answer with a redirect; with htmx, the claim
button swaps its card for the answer instead of reloading the list. The merchant's order page
shows what quality found, so it lives above orders, in quality.views.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation
from core.access import error_text, page
from core.errors import ApplicationError
from workshops.models import Skill
from workshops.selectors import household_list

from . import errors
from .fair_pay import fair_pay_hint, implied_hourly
from .models import Batch, InspectionLevel, Order
from .selectors import (
    batch_get,
    batch_list,
    order_page,
    ticket_list,
)
from .services import (
    STANDARD_AQLS,
    batch_claim,
    batch_mark_returned,
    order_create,
    order_photo_add,
    order_publish,
    ticket_issue,
    ticket_return_record,
)

LEAD, MERCHANT = "lead", "merchant"
NUMERIC = {"inputmode": "numeric"}
HELD = [Batch.Status.CLAIMED, Batch.Status.IN_PRODUCTION, Batch.Status.RETURNED]


def _with_earnings(batches: list[Batch]) -> list[Batch]:
    """What a batch means to a household: ¥ per hour and ¥ for the whole batch."""
    prefetch_related_objects(batches, "order__photos")
    for batch in batches:
        batch.hourly = implied_hourly(batch.order.fee_per_piece, batch.order.standard_minutes)
        batch.batch_fee = batch.order.fee_per_piece * batch.quantity
        photos = list(batch.order.photos.all())
        batch.photo = photos[0] if photos else None
    return batches


# --- workshop lead ------------------------------------------------------------------------


@page(LEAD)
def open_batches(request: HttpRequest) -> HttpResponse:
    batches = _with_earnings(list(batch_list(viewer=request.user, status=Batch.Status.OPEN)))
    return render(request, "orders/open_batches.html", {"batches": batches})


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
    batches = [b for b in batch_list(viewer=request.user) if b.status in HELD]
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


def _batch_page(request: HttpRequest, batch_id: int, issue_form=None, return_forms=None):
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    tickets = list(ticket_list(viewer=request.user, batch_id=batch_id))
    households = (
        list(household_list(viewer=request.user, workshop_id=batch.workshop_id))
        if batch.workshop_id
        else []
    )
    if issue_form is None:
        issue_form = TicketIssueForm(initial={"key": uuid.uuid4()})
    issue_form.fields["household"].choices = [(h.pk, h.name) for h in households]
    return_forms = return_forms or {}
    for ticket in tickets:
        ticket.form = return_forms.get(ticket.pk) or TicketReturnForm(
            initial={"key": uuid.uuid4(), "returned": ticket.outstanding, "lost": 0},
            prefix=f"t{ticket.pk}",
        )
    remaining = batch.quantity - sum(t.issued for t in tickets)
    context = {
        "batch": _with_earnings([batch])[0],
        "tickets": tickets,
        "issue_form": issue_form,
        "remaining": remaining,
        "can_issue": batch.status == Batch.Status.IN_PRODUCTION and remaining > 0,
        "can_finish": batch.status == Batch.Status.IN_PRODUCTION
        and tickets
        and all(t.outstanding == 0 for t in tickets)
        and remaining == 0,
    }
    return render(request, "orders/batch.html", context)


@page(LEAD)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _batch_page(request, batch_id)


@page(LEAD)
def ticket_new(request: HttpRequest, batch_id: int) -> HttpResponse:
    form = TicketIssueForm(request.POST or None)
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    form.fields["household"].choices = [
        (h.pk, h.name) for h in household_list(viewer=request.user, workshop_id=batch.workshop_id)
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


# --- merchant ---------------------------------------------------------------------------


def progress_bar(order: Order) -> dict[str, int]:
    """Percentages of the order's pieces by where they are, for a stacked bar."""
    total = order.quantity or 1
    accepted = getattr(order, "pieces_accepted", 0)
    returned = max(0, order.pieces_returned - accepted)
    working = max(0, order.pieces_in_production + order.pieces_claimed - order.pieces_returned)
    return {
        "accepted": accepted * 100 // total,
        "returned": returned * 100 // total,
        "working": max(0, working) * 100 // total,
    }


@page(MERCHANT)
def order_list(request: HttpRequest) -> HttpResponse:
    orders = order_page(viewer=request.user, limit=50).items
    for order in orders:
        order.bar = progress_bar(order)
    return render(request, "orders/order_list.html", {"orders": orders})


class OrderForm(forms.Form):
    product_name = forms.CharField(label=gettext_lazy("产品"), max_length=120)
    spec = forms.CharField(
        label=gettext_lazy("规格与工艺要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.ImageField(label=gettext_lazy("样品照片"), required=False)
    required_skills = forms.MultipleChoiceField(
        label=gettext_lazy("所需技能"), required=False, widget=forms.CheckboxSelectMultiple
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("数量（件）"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    batch_size = forms.IntegerField(
        label=gettext_lazy("每批件数"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    fee_per_piece = forms.DecimalField(
        label=gettext_lazy("加工费（元/件）"),
        min_value=Decimal("0.0001"),
        decimal_places=4,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.0001"}),
    )
    standard_minutes = forms.DecimalField(
        label=gettext_lazy("标准工时（分钟/件）"),
        min_value=Decimal("0.01"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    deadline = forms.DateField(
        label=gettext_lazy("交货日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    service_center = forms.TypedChoiceField(
        label=gettext_lazy("发往区域"), coerce=int, required=False, empty_value=None
    )
    aql = forms.TypedChoiceField(label=gettext_lazy("AQL"), coerce=Decimal, initial="2.5")
    inspection_level = forms.ChoiceField(
        label=gettext_lazy("检验水平"), choices=InspectionLevel.choices, initial="II"
    )
    acknowledge_below_minimum_wage = forms.BooleanField(
        label=gettext_lazy("我已知晓折合时薪低于当地最低工资，仍然发布"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_skills"].choices = [
            (s.code, s.name) for s in Skill.objects.order_by("code")
        ]
        self.fields["service_center"].choices = [("", _("所有区域"))] + [
            (c.pk, f"{c.name}（{c.province}）")
            for c in Organisation.objects.filter(
                kind=Organisation.Kind.SERVICE_CENTER, is_active=True
            ).order_by("name")
        ]
        self.fields["aql"].choices = [(str(a), str(a)) for a in sorted(STANDARD_AQLS)]


def _hint_for(fee: Decimal | None, minutes: Decimal | None, service_center_id: int | None):
    if not fee or not minutes or fee <= 0 or minutes <= 0:
        return None
    center = (
        Organisation.objects.filter(pk=service_center_id).first() if service_center_id else None
    )
    draft = Order(fee_per_piece=fee, standard_minutes=minutes, service_center=center)
    return fair_pay_hint(draft)


@page(MERCHANT)
def fair_pay(request: HttpRequest) -> HttpResponse:
    """The publish form's live hint (htmx): what the fee means per hour for a household."""

    def number(name: str) -> Decimal | None:
        try:
            return Decimal(request.GET.get(name, ""))
        except ArithmeticError:
            return None

    center = request.GET.get("service_center", "")
    hint = _hint_for(
        number("fee_per_piece"),
        number("standard_minutes"),
        int(center) if center.isdigit() else None,
    )
    return render(request, "orders/_fair_pay.html", {"hint": hint})


@page(MERCHANT)
def order_new(request: HttpRequest) -> HttpResponse:
    form = OrderForm(
        request.POST or None,
        request.FILES or None,
        initial={"deadline": timezone.localdate() + timedelta(days=30)},
    )
    hint = needs_ack = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hint = _hint_for(data["fee_per_piece"], data["standard_minutes"], data["service_center"])
        if hint and hint.below_minimum and not data["acknowledge_below_minimum_wage"]:
            needs_ack = True
            form.add_error(None, str(errors.FairPayBelowMinimum.message))
        else:
            try:
                with transaction.atomic():  # publish refused: no draft left behind either
                    order = _draft_and_publish(request, data)
            except ApplicationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("订单已发布，拆成 %(count)s 个批次，等待工坊认领。")
                    % {"count": order.batches.count()},
                )
                return redirect("quality:order", order_id=order.pk)
    return render(
        request, "orders/order_new.html", {"form": form, "hint": hint, "needs_ack": needs_ack}
    )


def _draft_and_publish(request: HttpRequest, data: dict) -> Order:
    """Draft, attach the sample photo, publish: the three services the API calls in turn."""
    order = order_create(
        actor=request.user,
        product_name=data["product_name"],
        spec=data["spec"],
        quantity=data["quantity"],
        batch_size=data["batch_size"],
        fee_per_piece=data["fee_per_piece"],
        standard_minutes=data["standard_minutes"],
        deadline=data["deadline"],
        required_skills=data["required_skills"],
        aql=data["aql"],
        inspection_level=data["inspection_level"],
        service_center_id=data["service_center"],
    )
    if data["photo"]:
        order_photo_add(actor=request.user, order_id=order.pk, upload=data["photo"])
    return order_publish(
        actor=request.user,
        order_id=order.pk,
        acknowledge_below_minimum_wage=data["acknowledge_below_minimum_wage"],
    )
