"""The merchant's batch page: who makes it, where, its lots with their stages and verdicts, and a
timeline of what happened (the batch's status changes and its lots' custody scans).

Scoped like every read: a merchant sees only its own orders' batches (anyone else's is the 404
page). Orders sits below quality, so the page that composes both lives here.
"""

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import page
from orders.models import BatchEvent
from orders.selectors import batch_events, batch_get

from ..models import ScanEvent
from ..selectors import batch_scans, lot_list

MERCHANT = "merchant"

# The reasons the platform writes on batch events, in words; a person's own reason is shown as
# they wrote it.
REASONS = {
    "published": gettext_lazy("订单发布，等待认领"),
    "claimed": gettext_lazy("工坊认领"),
    "released": gettext_lazy("工坊退回认领"),
    "claim_expired": gettext_lazy("认领后未按时收料，重新开放"),
    "claim_restored_by_scan": gettext_lazy("材料扫码签收，认领恢复"),
    "materials_received": gettext_lazy("材料已签收，开工"),
    "returned": gettext_lazy("农户全部交回"),
    "order_cancelled": gettext_lazy("订单取消"),
    "batches_cancelled": gettext_lazy("商家取消未认领的批次"),
}


@dataclass(frozen=True)
class Moment:
    """One line of the timeline."""

    at: datetime
    kind: str  # "batch" | "scan"
    title: str
    detail: str


def _batch_moment(event: BatchEvent) -> Moment:
    parts = [str(REASONS.get(event.reason, event.reason))] if event.reason else []
    if event.workshop is not None:
        parts.append(event.workshop.name)
    return Moment(event.at, "batch", str(event.get_to_status_display()), " · ".join(parts))


def _scan_moment(scan: ScanEvent) -> Moment:
    title = _("%(kind)s %(code)s：%(action)s") % {
        "kind": scan.lot.get_kind_display(),
        "code": scan.lot.code,
        "action": scan.get_action_display(),
    }
    detail = str(scan.get_flag_display()) if scan.flag else ""
    return Moment(scan.device_time, "scan", title, detail)


def batch_timeline(events, scans) -> list[Moment]:
    """Batch events and lot scans in one list, oldest first (scans at their device time: when
    they happened, not when the phone found a signal)."""
    moments = [_batch_moment(e) for e in events] + [_scan_moment(s) for s in scans]
    return sorted(moments, key=lambda m: m.at)


@page(MERCHANT)
def shop_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = batch_get(viewer=request.user, batch_id=batch_id)
    region = batch.workshop.organisation.service_center if batch.workshop else None
    lots = list(lot_list(viewer=request.user, batch_id=batch.pk))
    timeline = batch_timeline(
        batch_events(viewer=request.user, batch_id=batch.pk),
        batch_scans(viewer=request.user, batch_id=batch.pk),
    )
    context = {"batch": batch, "region": region, "lots": lots, "timeline": timeline}
    return render(request, "quality/shop_batch.html", context)
