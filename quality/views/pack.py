"""Packing a finished lot of a batch, with the households' shares (leads)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import error_text, page
from core.errors import ApplicationError
from orders.selectors import batch_get
from workshops.selectors import household_list

from ..models import Lot
from ..selectors import packed_pieces_by_household, returned_pieces_by_household
from ..services import (
    lot_create,
)

LEAD = "lead"


@page(LEAD)
def pack(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Pack returned pieces into a finished lot: how many of it came from each household."""
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    returned = returned_pieces_by_household(batch_id=batch_id)
    packed = packed_pieces_by_household(batch_id=batch_id)
    households = [
        (h, returned.get(h.pk, 0) - packed.get(h.pk, 0))
        for h in household_list(viewer=request.user, workshop_id=batch.workshop_id)
        if returned.get(h.pk, 0) - packed.get(h.pk, 0) > 0
    ]
    error = None
    if request.method == "POST":
        shares, refused = [], []
        for household, _left in households:
            raw = request.POST.get(f"share-{household.pk}", "").strip() or "0"
            if not raw.isdigit():
                refused.append(household.name)  # refused with a message, never dropped
            elif int(raw) > 0:
                shares.append({"household_id": household.pk, "quantity": int(raw)})
        lot = None
        if refused:
            error = _("件数要填 0 或正整数：%(names)s") % {"names": "、".join(refused)}
        else:
            try:
                lot = lot_create(
                    actor=request.user,
                    batch_id=batch_id,
                    kind=Lot.Kind.FINISHED,
                    quantity=sum(share["quantity"] for share in shares),
                    shares=shares,
                )
            except ApplicationError as exc:
                error = error_text(exc)
        if lot is not None:
            messages.success(
                request, _("已打包 %(n)s 件。请打印标签贴在包上。") % {"n": lot.quantity}
            )
            return redirect("quality:label", code=lot.code)
    context = {"batch": batch, "households": households, "error": error}
    return render(request, "quality/pack.html", context)
