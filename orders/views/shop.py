"""Pages for merchants: orders with progress, the publish form and its fair-pay hint.

Every write goes through orders.services, every read through orders.selectors. The merchant's
order page shows what quality found, so it lives above orders, in quality.views.
"""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation
from core.access import error_text, page
from core.errors import ApplicationError
from workshops.models import Skill

from .. import errors
from ..fair_pay import fair_pay_hint
from ..models import InspectionLevel, Order
from ..selectors import (
    order_page,
)
from ..services import (
    STANDARD_AQLS,
    order_create,
    order_photo_add,
    order_publish,
)

MERCHANT = "merchant"
NUMERIC = {"inputmode": "numeric"}


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
