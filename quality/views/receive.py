"""Goods received: the merchant types (or scans) lot codes one after another and counts each.

GET ``?code=`` finds the lot and shows what should arrive (its accepted pieces) with a count
prefilled; POST records the receipt (the same service as ``POST /lots/{code}/receipt``) and
comes back here with what it did to the batch and the order. Works without JavaScript; the
form's key is made when it is rendered, so a second tap records nothing twice.
"""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.access import error_text, page
from core.errors import ApplicationError
from orders.models import Batch, Order

from ..accounting import lot_accepted_pieces, lots_to_receive, receipts_recent
from ..models import LotDelivery
from ..selectors import lot_get
from ..services import lot_receive

MERCHANT = "merchant"


def _parse_key(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return uuid.uuid4()


@page(MERCHANT)
def receive(request: HttpRequest) -> HttpResponse:
    context: dict = {"key": uuid.uuid4(), "code": "", "lot": None, "error": None}
    if request.method == "POST":
        code = request.POST.get("code", "").strip()
        raw_count = request.POST.get("received", "").strip()
        reason = request.POST.get("reason", "")
        context.update(code=code, key=_parse_key(request.POST.get("key", "")), reason=reason)
        if not raw_count.isdigit():
            context["error"] = _("实收件数要填 0 或正整数。")
        else:
            try:
                delivery, _created = lot_receive(
                    actor=request.user,
                    code=code,
                    received=int(raw_count),
                    reason=reason,
                    key=context["key"],
                )
            except ApplicationError as exc:
                context["error"] = error_text(exc)
            else:
                messages.success(request, _receipt_message(delivery))
                return redirect(reverse("quality:receive"))
        context["received"] = raw_count
    else:
        context["code"] = request.GET.get("code", "").strip()
    if context["code"]:
        try:
            lot = lot_get(viewer=request.user, code=context["code"])
        except ApplicationError as exc:
            context["error"] = context["error"] or error_text(exc)
        else:
            lot.pieces_accepted = lot_accepted_pieces([lot.pk]).get(lot.pk, 0)
            lot.receipt = LotDelivery.objects.filter(lot=lot).first()
            context["lot"] = lot
            context.setdefault("received", lot.pieces_accepted)
    context["waiting"] = lots_to_receive(viewer=request.user)
    context["recent"] = receipts_recent(viewer=request.user)
    return render(request, "quality/receive.html", context)


def _receipt_message(delivery: LotDelivery) -> str:
    lot = LotDelivery.objects.select_related("lot__batch__order").get(pk=delivery.pk).lot
    text = _("已收货 %(code)s：应收 %(packed)s 件，实收 %(received)s 件。") % {
        "code": lot.code,
        "packed": delivery.packed,
        "received": delivery.received,
    }
    if lot.batch.status == Batch.Status.CLOSED:
        text += " " + _("批次 #%(n)s 已完结。") % {"n": lot.batch.number}
    if lot.batch.order.status == Order.Status.COMPLETED:
        text += " " + _("订单已完成。")
    return text
