"""Phone pages for advances and premium rules.

- ``/lead/advances/`` (a lead; an operator too): record an advance paid to a household at
  material hand-out, and see the advances still outstanding (a lead its own workshop's, an
  operator everyone's: the operator's "outstanding advances" list). The form carries a key made
  when it is rendered, so a double tap or a re-sent post records one advance.
- ``/shop/orders/<id>/premiums/`` (the order's merchant, or an operator): the order's premiums
  per piece (first inspection, on time), used by the periods computed from then on.
"""

import uuid
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_operator
from core.access import error_text, page
from core.errors import ApplicationError, NotFound
from orders.models import Order
from workshops.models import Household

from .models import OrderPremiumRule
from .money import fen_to_yuan
from .selectors import advance_list
from .services import advance_create, premium_rule_set

LEAD = "lead"
MERCHANT = "merchant"


class AdvanceForm(forms.Form):
    household_id = forms.TypedChoiceField(label=_("农户"), coerce=int)
    amount = forms.DecimalField(
        label=_("预支金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
    )
    reason = forms.CharField(label=_("事由"), max_length=200, initial=_("领料预支"))
    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household_id"].choices = [("", "—")] + [
            (household.pk, f"{household.name} #{household.pk}") for household in households
        ]


def _households(request: HttpRequest):
    households = Household.objects.order_by("name", "pk")
    if not is_operator(request.user):
        households = households.filter(workshop__organisation_id=request.user.organisation_id)
    return households[:500]


@page(LEAD)
def advances(request: HttpRequest) -> HttpResponse:
    households = _households(request)
    if request.method == "POST":
        form = AdvanceForm(request.POST, households=households)
        if form.is_valid():
            data = form.cleaned_data
            try:
                advance_create(
                    actor=request.user,
                    household_id=data["household_id"],
                    amount=data["amount"],
                    reason=data["reason"],
                    idempotency_key=data["key"],
                )
            except ApplicationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, _("已登记预支，将从之后的加工费中扣回。"))
                return redirect("payouts:advances")
        status = 400
    else:
        form = AdvanceForm(households=households, initial={"key": uuid.uuid4()})
        status = 200
    rows = [
        {
            "advance": advance,
            "amount": fen_to_yuan(advance.amount_fen),
            "recovered": fen_to_yuan(advance.recovered_fen),
            "outstanding": fen_to_yuan(advance.outstanding_fen),
        }
        for advance in advance_list(viewer=request.user, open_only=True)
    ]
    outstanding = fen_to_yuan(sum(row["advance"].outstanding_fen for row in rows))
    context = {"form": form, "rows": rows, "outstanding": outstanding}
    return render(request, "payouts/advances.html", context, status=status)


class PremiumRuleForm(forms.Form):
    first_pass_per_piece = forms.DecimalField(
        label=_("一次检验合格奖（元/件）"),
        max_digits=10,
        decimal_places=4,
        min_value=Decimal("0"),
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.0001", "min": "0"}),
    )
    on_time_per_piece = forms.DecimalField(
        label=_("按期交货奖（元/件）"),
        max_digits=10,
        decimal_places=4,
        min_value=Decimal("0"),
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.0001", "min": "0"}),
    )


@page(MERCHANT)
def order_premiums(request: HttpRequest, order_id: int) -> HttpResponse:
    orders = Order.objects.all()
    if not is_operator(request.user):
        orders = orders.filter(merchant_id=request.user.organisation_id)
    order = orders.filter(pk=order_id).first()
    if order is None:
        raise NotFound(code="order_not_found")
    rule = OrderPremiumRule.objects.filter(order=order).first()
    status = 200
    if request.method == "POST":
        form = PremiumRuleForm(request.POST)
        if form.is_valid():
            try:
                premium_rule_set(actor=request.user, order_id=order.pk, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, _("已保存奖励规则，从下一次结算计算起生效。"))
                return redirect("payouts:order_premiums", order_id=order.pk)
        status = 400
    else:
        initial = (
            {
                "first_pass_per_piece": rule.first_pass_per_piece,
                "on_time_per_piece": rule.on_time_per_piece,
            }
            if rule
            else None
        )
        form = PremiumRuleForm(initial=initial)
    context = {"order": order, "form": form, "rule": rule}
    return render(request, "payouts/order_premiums.html", context, status=status)
