"""Pages for merchants: orders with progress, the order form (draft, edit a draft, publish) and
its fair-pay hint, publishing or cancelling a draft, cancelling a published order's unclaimed
batches.

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
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Organisation
from core.access import error_text, page
from core.errors import ApplicationError
from workshops.models import Skill

from .. import errors
from ..fair_pay import fair_pay_hint
from ..models import InspectionLevel, Order
from ..selectors import order_get, order_page, pending_photo_get
from ..services import (
    STANDARD_AQLS,
    order_batches_cancel,
    order_cancel,
    order_create,
    order_photo_add_pending,
    order_publish,
    order_update,
    pending_photo_keep,
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
    # A photo chosen on an earlier post of this form, kept server-side (see _order_form).
    kept_photo = forms.UUIDField(required=False, widget=forms.HiddenInput)

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


PUBLISH, DRAFT = "publish", "draft"
TERMS = (
    "product_name",
    "spec",
    "quantity",
    "batch_size",
    "fee_per_piece",
    "standard_minutes",
    "deadline",
    "required_skills",
    "aql",
    "inspection_level",
)


@page(MERCHANT)
def order_new(request: HttpRequest) -> HttpResponse:
    """Draft an order, or draft and publish it at once (the two buttons of the form)."""
    return _order_form(request, order=None)


@page(MERCHANT)
def order_edit(request: HttpRequest, order_id: int) -> HttpResponse:
    """The same form for a draft, prefilled; a published order's terms are fixed."""
    order = order_get(viewer=request.user, order_id=order_id)
    if order.status != Order.Status.DRAFT:
        messages.error(request, _not_draft_message(order))
        return redirect("quality:order", order_id=order.pk)
    return _order_form(request, order=order)


def _not_draft_message(order: Order) -> str:
    if order.status == Order.Status.PUBLISHED:
        return _(
            "订单已发布，条款不能再改：工坊是按这些条款认领的。"
            "如需更改，请取消未认领的批次，再发布一个新订单。"
        )
    return _("订单已取消或已完成，不能再修改。")


def _initial(order: Order | None) -> dict:
    if order is None:
        return {"deadline": timezone.localdate() + timedelta(days=30)}
    initial = {name: getattr(order, name) for name in TERMS if name != "required_skills"}
    initial["required_skills"] = [s.code for s in order.required_skills.all()]
    initial["service_center"] = order.service_center_id
    initial["aql"] = next((str(a) for a in STANDARD_AQLS if a == order.aql), str(order.aql))
    return initial


def _order_form(request: HttpRequest, *, order: Order | None) -> HttpResponse:
    """Parse the form, keep a chosen photo for the next post, then draft/edit (and publish).

    A browser never re-sends a file the form was sent back with, so a photo chosen before the
    form comes back (the fair-pay acknowledgement, a field to fix) is kept server-side and the
    form carries its token (``orders.services.pending_photo_keep``).
    """
    form = OrderForm(request.POST or None, request.FILES or None, initial=_initial(order))
    then = request.POST.get("then", PUBLISH)
    hint = needs_ack = kept = None
    if request.method == "POST":
        valid = form.is_valid()
        kept = _kept_photo(request, form)
        if valid and not form.errors:
            data = form.cleaned_data
            hint = _hint_for(
                data["fee_per_piece"], data["standard_minutes"], data["service_center"]
            )
            below = hint is not None and hint.below_minimum
            if then == PUBLISH and below and not data["acknowledge_below_minimum_wage"]:
                needs_ack = True
                form.add_error(None, str(errors.FairPayBelowMinimum.message))
            else:
                try:
                    with transaction.atomic():  # a refusal leaves no draft, edit or photo behind
                        saved = _save(
                            request, data, order=order, kept=kept, publish=then == PUBLISH
                        )
                except errors.OrderNotDraft:
                    messages.error(
                        request,
                        _not_draft_message(order_get(viewer=request.user, order_id=order.pk)),
                    )
                    return redirect("quality:order", order_id=order.pk)
                except ApplicationError as exc:
                    form.add_error(None, error_text(exc))
                else:
                    if saved.status == Order.Status.PUBLISHED:
                        messages.success(
                            request,
                            _("订单已发布，拆成 %(count)s 个批次，等待工坊认领。")
                            % {"count": saved.batches.count()},
                        )
                    else:
                        messages.success(request, _("草稿已保存。可以继续修改，准备好了再发布。"))
                    return redirect("quality:order", order_id=saved.pk)
    context = {"form": form, "hint": hint, "needs_ack": needs_ack, "kept": kept, "order": order}
    return render(request, "orders/order_new.html", context)


def _kept_photo(request: HttpRequest, form: "OrderForm"):
    """The photo this post carries: a newly chosen file (kept now), else the one kept before."""
    upload = form.cleaned_data.get("photo") if hasattr(form, "cleaned_data") else None
    if upload:
        try:
            return pending_photo_keep(actor=request.user, upload=upload)
        except ApplicationError as exc:
            form.add_error("photo", error_text(exc))
            return None
    token = form.cleaned_data.get("kept_photo") if hasattr(form, "cleaned_data") else None
    if token:
        kept = pending_photo_get(viewer=request.user, token=token)
        if kept is None:
            form.add_error("photo", str(errors.PendingPhotoGone.message))
        return kept
    return None


def _save(request: HttpRequest, data: dict, *, order: Order | None, kept, publish: bool) -> Order:
    """Draft (or edit the draft), attach the kept photo, publish: the services the API calls."""
    terms = {name: data[name] for name in TERMS}
    if order is None:
        order = order_create(actor=request.user, service_center_id=data["service_center"], **terms)
    else:
        order = order_update(
            actor=request.user, order_id=order.pk, service_center_id=data["service_center"], **terms
        )
    if kept is not None:
        order_photo_add_pending(actor=request.user, order_id=order.pk, token=kept.token)
    if not publish:
        return order
    return order_publish(
        actor=request.user,
        order_id=order.pk,
        acknowledge_below_minimum_wage=data["acknowledge_below_minimum_wage"],
    )


@page(MERCHANT)
def order_publish_draft(request: HttpRequest, order_id: int) -> HttpResponse:
    """Publish a draft from its page; below the minimum wage, a confirmation step first."""
    order = order_get(viewer=request.user, order_id=order_id)
    if request.method != "POST":
        return redirect("quality:order", order_id=order.pk)
    acknowledged = request.POST.get("acknowledge_below_minimum_wage") == "on"
    try:
        published = order_publish(
            actor=request.user, order_id=order.pk, acknowledge_below_minimum_wage=acknowledged
        )
    except errors.FairPayBelowMinimum:
        context = {"order": order, "hint": fair_pay_hint(order), "asked": "confirm" in request.POST}
        return render(request, "orders/order_publish.html", context)
    except errors.OrderNotDraft:
        messages.error(request, _not_draft_message(order))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("订单已发布，拆成 %(count)s 个批次，等待工坊认领。")
            % {"count": published.batches.count()},
        )
    return redirect("quality:order", order_id=order.pk)


@page(MERCHANT)
def order_cancel_draft(request: HttpRequest, order_id: int) -> HttpResponse:
    """Cancel a draft (nothing was published, so nothing else changes)."""
    order = order_get(viewer=request.user, order_id=order_id)
    if request.method == "POST":
        try:
            order_cancel(actor=request.user, order_id=order.pk, drafts_only=True)
        except errors.OrderNotDraft:
            messages.error(request, _not_draft_message(order))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("草稿已取消。"))
    return redirect("quality:order", order_id=order.pk)


@page(MERCHANT)
def order_batches_cancel_page(request: HttpRequest, order_id: int) -> HttpResponse:
    """Cancel the chosen unclaimed batches of a published order, or every open one."""
    order = order_get(viewer=request.user, order_id=order_id)
    if request.method != "POST":
        return redirect("quality:order", order_id=order.pk)
    every_open = request.POST.get("which") == "all"
    chosen = [int(v) for v in request.POST.getlist("batch") if v.isdigit()]
    try:
        result = order_batches_cancel(
            actor=request.user, order_id=order.pk, batch_ids=None if every_open else chosen
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        numbers = "、".join(f"#{b.number}" for b in result.cancelled)
        messages.success(
            request,
            ngettext(
                "已取消 %(count)s 个批次：%(numbers)s。",
                "已取消 %(count)s 个批次：%(numbers)s。",
                len(result.cancelled),
            )
            % {"count": len(result.cancelled), "numbers": numbers},
        )
        if result.order.status == Order.Status.CANCELLED:
            messages.info(request, _("所有批次都已取消，订单随之取消。"))
    return redirect("quality:order", order_id=order.pk)
