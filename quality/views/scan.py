"""The scan page (leads and checkers, works offline), the label QR's short link and lot labels.

Scans from the scan page go through the phone's queue to POST /api/v1/scans/bulk (see
static/js/offline.js).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.access import error_text, page
from core.errors import ApplicationError

from ..models import ScanEvent
from ..selectors import lot_get

LEAD, CHECKER, MERCHANT = "lead", "checker", "merchant"


@page(LEAD, CHECKER)
def scan(request: HttpRequest) -> HttpResponse:
    """Camera (BarcodeDetector where the browser has it) or typed code; scans queue offline."""
    default = ScanEvent.Action.RECEIVED
    return render(
        request,
        "quality/scan.html",
        {
            "actions": ScanEvent.Action.choices,
            "default_action": default,
            "flags": {value: str(label) for value, label in ScanEvent.Flag.choices if value},
        },
    )


@page(LEAD, CHECKER)
def lot_open(request: HttpRequest) -> HttpResponse:
    """The scan page's "open" button: a typed or scanned code to its lot page."""
    code = request.GET.get("code", "").strip()
    try:
        lot = lot_get(viewer=request.user, code=code)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("quality:scan")
    return redirect("quality:lot", code=lot.code)


@page(LEAD, CHECKER)
def lot_short_link(request: HttpRequest, code: str) -> HttpResponse:
    lot = lot_get(viewer=request.user, code=code)
    return redirect("quality:lot", code=lot.code)


@page(LEAD, CHECKER, MERCHANT)
def label(request: HttpRequest, code: str) -> HttpResponse:
    lot = lot_get(viewer=request.user, code=code)
    png = reverse("api:read_lot_label", kwargs={"code": lot.code})
    return render(request, "quality/label.html", {"lot": lot, "png": png})
