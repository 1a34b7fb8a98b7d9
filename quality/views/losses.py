"""Pieces of a batch lost outside a ticket, with a reason (the lead's batch page links here)."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import error_text, page
from core.errors import ApplicationError
from orders.selectors import batch_get
from workshops.selectors import household_list

from ..accounting import batch_account, lost_pieces_by_household
from ..selectors import packed_pieces_by_household, returned_pieces_by_household
from ..services import piece_loss_record

LEAD = "lead"


@page(LEAD)
def batch_loss(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    returned = returned_pieces_by_household(batch_id=batch_id)
    packed = packed_pieces_by_household(batch_id=batch_id)
    lost = lost_pieces_by_household(batch_id=batch_id)
    households = [
        (h, returned.get(h.pk, 0) - packed.get(h.pk, 0) - lost.get(h.pk, 0))
        for h in household_list(viewer=request.user, workshop_id=batch.workshop_id)
        if returned.get(h.pk, 0) - packed.get(h.pk, 0) - lost.get(h.pk, 0) > 0
    ]
    context = {
        "batch": batch,
        "households": households,
        "account": batch_account(batch_id=batch_id),
        "key": uuid.uuid4(),
        "error": None,
        "form": {},
    }
    if request.method == "POST":
        form = request.POST
        context.update(form=form)
        try:
            context["key"] = uuid.UUID(form.get("key", ""))
        except ValueError:
            pass
        raw_pieces, raw_household = form.get("pieces", "").strip(), form.get("household", "")
        if not raw_pieces.isdigit():
            context["error"] = _("损耗件数要填正整数。")
        elif raw_household and not raw_household.isdigit():
            context["error"] = _("请选择农户。")
        else:
            try:
                loss, _created = piece_loss_record(
                    actor=request.user,
                    batch_id=batch_id,
                    pieces=int(raw_pieces),
                    reason=form.get("reason", ""),
                    household_id=int(raw_household) if raw_household else None,
                    key=context["key"],
                )
            except ApplicationError as exc:
                context["error"] = error_text(exc)
            else:
                messages.success(request, _("已记录损耗 %(n)s 件。") % {"n": loss.pieces})
                return redirect("orders:batch", batch_id=batch_id)
    return render(request, "quality/batch_loss.html", context)
