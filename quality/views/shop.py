"""The merchant's order page: where the goods are and what quality found; a draft's buttons
(edit, publish, cancel) and the form cancelling unclaimed batches (both post to orders' pages)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.access import page
from core.charts import hbar_chart
from orders.fair_pay import fair_pay_hint
from orders.models import Batch, Order
from orders.selectors import order_batches, order_get
from orders.views import progress_bar

from ..accounting import order_summary
from ..selectors import newest_finished_lots

MERCHANT = "merchant"


def order_quality_charts(*, order_id: int, workshop_names: dict[int, str]) -> dict:
    """The merchant's order page charts: defects by kind found in the order's inspections, and
    first-pass yield by workshop (the caller has checked the viewer may see the order)."""
    from ..selectors import defects_by_kind, first_pass_yield_by_workshop

    charts = {}
    rows = [(label, total) for _kind, label, total in defects_by_kind(order_id=order_id)]
    if rows:
        charts["defects"] = hbar_chart(rows, unit=_("件"), title=_("缺陷类型"), colour="#c5221f")
    if workshop_names:
        fpy = first_pass_yield_by_workshop(list(workshop_names))
        rows = [(workshop_names[ws], value * 100) for ws, value in fpy.items()]
        if rows:
            charts["fpy"] = hbar_chart(rows, unit="%", maximum=100, title=_("各工坊一次交验合格率"))
    return charts


# --- merchant: an order with where its goods are and what quality found --------------------
# Orders sits below quality, so the page that composes both lives here.


@page(MERCHANT)
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = order_get(viewer=request.user, order_id=order_id)
    order.bar = progress_bar(order)
    batches = list(order_batches(viewer=request.user, order_id=order_id))
    by_status: dict[str, int] = {}
    for batch in batches:
        label = batch.get_status_display()
        by_status[label] = by_status.get(label, 0) + batch.quantity
    # Where the goods are: the newest finished lot of each batch (stage of custody, verdict).
    newest = newest_finished_lots(viewer=request.user, order_id=order.pk)
    for batch in batches:
        batch.lot = newest.get(batch.pk)
    context = {
        "order": order,
        "batches": batches,
        # A draft: its fair-pay hint next to the publish button. Published: what may be cancelled.
        "hint": fair_pay_hint(order) if order.status == Order.Status.DRAFT else None,
        "open_batches": [b for b in batches if b.status == Batch.Status.OPEN]
        if order.status == Order.Status.PUBLISHED
        else [],
        "held_batches": [b for b in batches if b.status == Batch.Status.CLAIMED],
        "status_chart": hbar_chart(
            list(by_status.items()), unit=_("件"), title=_("各状态件数"), colour="#1a56c4"
        ),
        "quality": _quality_charts(order.pk, batches),
        "summary": order_summary(viewer=request.user, order_id=order.pk, order=order)
        if order.status != order.Status.DRAFT
        else None,
    }
    return render(request, "quality/order.html", context)


def _quality_charts(order_id: int, batches: list[Batch]) -> dict:
    """Defects by kind and first-pass yield by workshop, for the order's workshops."""
    names = {b.workshop_id: b.workshop.name for b in batches if b.workshop_id}
    return order_quality_charts(order_id=order_id, workshop_names=names)
