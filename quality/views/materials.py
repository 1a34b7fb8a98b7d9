"""Materials out to a workshop, and their arrival: the step that starts production.

- The merchant (or an operator) packs a **material lot** for a claimed batch of its order and
  prints its label (``materials_pack``, ``/shop/batches/<id>/materials/``), through
  ``quality.services.lot_create(kind=material)``; the holding lead is told.
- The lead records the arrival with one button on its batch page ("收到物料",
  ``materials_receive``): a ``received`` custody scan of each of the batch's material lots not
  yet arrived, through the same ingest as the scan page (``quality.scans.scan_ingest``), so the
  arrival starts production exactly as scanning the label does (``material_lots_received`` →
  ``orders.services.batch_materials_arrived``).

Repeats are harmless: the pack form carries a key made when it was rendered (a second submit
with it opens the first lot's label instead of packing again), and the arrival's scan keys are
derived from the button's key and each lot's code, so a double tap replays the same scans.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError
from orders.models import Batch
from orders.selectors import batch_get

from ..models import Lot, ScanEvent
from ..scans import ScanItem, scan_ingest
from ..selectors import lot_list, material_lots_in_transit
from ..services import lot_create

MERCHANT, LEAD = "merchant", "lead"
KEY_TTL = 24 * 60 * 60
PENDING = "pending"


class MaterialLotForm(forms.Form):
    quantity = forms.IntegerField(
        label=gettext_lazy("这包物料够做多少件"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "num"}),
    )
    key = forms.UUIDField(widget=forms.HiddenInput)


def _form_key(key: uuid.UUID) -> str:
    return f"material-lot-form:{key}"


@page(MERCHANT)
def materials_pack(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Pack the materials of a claimed batch under one labelled code."""
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    lots = list(lot_list(viewer=request.user, batch_id=batch_id, kind=Lot.Kind.MATERIAL))
    sent = sum(lot.quantity for lot in lots if lot.workshop_id == batch.workshop_id)
    form = MaterialLotForm(
        request.POST or None,
        initial={"key": uuid.uuid4(), "quantity": max(batch.quantity - sent, 1)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        slot = _form_key(data["key"])
        if not cache.add(slot, PENDING, KEY_TTL):
            # The same form again (a double tap, a resend): its first lot, not a second one.
            code = cache.get(slot)
            if code and code != PENDING:
                return redirect("quality:label", code=code)
            messages.info(request, _("正在打包，请稍候刷新。"))
            return redirect("quality:materials_pack", batch_id=batch_id)
        try:
            lot = lot_create(
                actor=request.user,
                batch_id=batch_id,
                kind=Lot.Kind.MATERIAL,
                quantity=data["quantity"],
            )
        except ApplicationError as exc:
            cache.delete(slot)
            form.add_error(None, error_text(exc))
        else:
            cache.set(slot, lot.code, KEY_TTL)
            messages.success(
                request,
                _("已打包物料 %(n)s 件，货批码 %(code)s。请打印标签贴在包上，随物料发出。")
                % {"n": lot.quantity, "code": lot.code},
            )
            return redirect("quality:label", code=lot.code)
    context = {
        "batch": batch,
        "lots": lots,
        "sent": sent,
        "form": form,
        "can_pack": batch.status in (Batch.Status.CLAIMED, Batch.Status.IN_PRODUCTION),
    }
    return render(request, "quality/materials.html", context)


@page(LEAD)
def materials_receive(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The lead's "materials arrived" button: an arrival scan of each lot not yet received."""
    if request.method != "POST":
        return redirect("orders:batch", batch_id=batch_id)
    batch_get(viewer=request.user, batch_id=batch_id)
    try:
        key = uuid.UUID(request.POST.get("key", ""))
    except ValueError:
        key = uuid.uuid4()
    lots = material_lots_in_transit(viewer=request.user, batch_id=batch_id)
    if not lots:
        messages.error(
            request,
            _("这个批次没有在途的物料包。物料没有标签的话，点「物料已到，开工」。"),
        )
        return redirect("orders:batch", batch_id=batch_id)
    now = timezone.now()
    items = [
        ScanItem(
            index=index,
            key=str(uuid.uuid5(key, lot.code)),
            code=lot.code,
            action=ScanEvent.Action.RECEIVED,
            device_time=now,
            note=_("批次页「收到物料」"),
        )
        for index, lot in enumerate(lots)
    ]
    results = scan_ingest(actor=request.user, items=items)
    refused = [r for r in results if r.status == "rejected"]
    if refused:
        messages.error(request, refused[0].error.get("message", ""))
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    if batch.status == Batch.Status.IN_PRODUCTION:
        received = len(lots) - len(refused)
        messages.success(
            request, _("已签收物料 %(n)s 包，批次开工了：可以发活给农户了。") % {"n": received}
        )
    elif not refused:
        messages.warning(request, _("已签收物料，但这个批次已不归本工坊，平台会处理。"))
    return redirect("orders:batch", batch_id=batch_id)
