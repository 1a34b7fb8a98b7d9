"""Pages for lots: the scan page (leads and checkers, works offline), a lot with its sampling
plan and the inspection form (checkers), and packing a finished lot with its label (leads).

Scans from the scan page go through the phone's queue to POST /api/v1/scans/bulk (see
static/js/offline.js); everything else calls quality.services / quality.selectors.
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.charts import hbar_chart
from core.errors import ApplicationError
from orders.models import Batch
from orders.selectors import batch_get, order_batches, order_get
from orders.views import progress_bar
from workshops.selectors import household_list

from .models import DefectClass, DefectKind, Inspection, Lot, ScanEvent, Severity
from .selectors import lot_get, lot_list, packed_pieces_by_household, returned_pieces_by_household
from .services import (
    DefectIn,
    inspection_dispose,
    inspection_photo_add,
    lot_create,
    lot_inspect,
    lot_plan,
)

LEAD, CHECKER, MERCHANT = "lead", "checker", "merchant"
DEFECT_ROWS = 3


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


@page(CHECKER)
def lots_to_inspect(request: HttpRequest) -> HttpResponse:
    lots = lot_list(viewer=request.user, kind=Lot.Kind.FINISHED).filter(
        verdict__in=[Lot.Verdict.PENDING, Lot.Verdict.REWORK]
    )
    return render(request, "quality/lot_list.html", {"lots": lots[:50]})


class DefectRow(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("缺陷类型"), choices=[("", "—"), *DefectKind.choices], required=False
    )
    defect_class = forms.ChoiceField(
        label=gettext_lazy("缺陷等级"), choices=DefectClass.choices, initial=DefectClass.MAJOR
    )
    count = forms.IntegerField(
        label=gettext_lazy("件数"),
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "num"}),
    )
    household = forms.TypedChoiceField(
        label=gettext_lazy("哪一户（可不填）"), coerce=int, required=False, empty_value=None
    )


DefectRows = forms.formset_factory(DefectRow, extra=DEFECT_ROWS, max_num=DEFECT_ROWS)


class InspectionForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)
    photo = forms.ImageField(
        label=gettext_lazy("缺陷照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


def plan_sentence(plan) -> str:
    if plan.full_inspection:
        return _("全检 %(n)s 件，不合格 ≤ %(ac)s 件接收") % {
            "n": plan.sample_size,
            "ac": plan.accept,
        }
    return _("抽检 %(n)s 件，不合格 ≤ %(ac)s 件接收") % {"n": plan.sample_size, "ac": plan.accept}


@page(LEAD, CHECKER)
def lot_detail(request: HttpRequest, code: str) -> HttpResponse:
    lot = lot_get(viewer=request.user, code=code)
    inspectable = (
        request.user.role in (CHECKER, "operator") or request.user.is_superuser
    ) and lot.kind == Lot.Kind.FINISHED
    inspectable = inspectable and lot.verdict in (Lot.Verdict.PENDING, Lot.Verdict.REWORK)
    households = [(s.household_id, s.household.name) for s in lot.shares.all()]
    rows = DefectRows(request.POST or None, prefix="d")
    for row in rows:
        row.fields["household"].choices = [("", "—"), *households]
    form = InspectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and inspectable and rows.is_valid() and form.is_valid():
        defects = [
            DefectIn(
                kind=row.cleaned_data["kind"],
                defect_class=row.cleaned_data["defect_class"],
                count=row.cleaned_data["count"],
                household_id=row.cleaned_data["household"],
            )
            for row in rows
            if row.cleaned_data.get("kind") and row.cleaned_data.get("count")
        ]
        try:
            with transaction.atomic():  # a refused photo leaves no inspection behind
                inspection = lot_inspect(
                    actor=request.user,
                    code=lot.code,
                    defects=defects,
                    note=form.cleaned_data["note"],
                )
                if form.cleaned_data["photo"]:
                    inspection_photo_add(
                        actor=request.user,
                        inspection_id=inspection.pk,
                        data=form.cleaned_data["photo"].read(),
                    )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            return redirect("quality:lot", code=lot.code)
    plan = lot_plan(lot=lot) if lot.kind == Lot.Kind.FINISHED else None
    inspections = list(lot.inspections.order_by("-round", "-pk").prefetch_related("defects"))
    context = {
        "lot": lot,
        "plan": plan,
        "plan_sentence": plan_sentence(plan) if plan else "",
        "severity_label": Severity(plan.severity).label if plan else "",
        "inspectable": inspectable,
        "rows": rows,
        "form": form,
        "inspections": inspections,
        "last": inspections[0] if inspections else None,
        "can_dispose": bool(
            inspections
            and inspections[0].verdict == Inspection.Verdict.REJECTED
            and not inspections[0].disposition
            and (request.user.role in (CHECKER, "operator") or request.user.is_superuser)
        ),
    }
    return render(request, "quality/lot.html", context)


@page(CHECKER)
def dispose(request: HttpRequest, code: str, inspection_id: int) -> HttpResponse:
    """A rejected lot: sort it 100 % (bad pieces per household), send it to rework, or scrap."""
    lot = lot_get(viewer=request.user, code=code)
    if request.method == "POST":
        disposition = request.POST.get("disposition", "")
        rejected = {}
        if disposition == Inspection.Disposition.SORT:
            for share in lot.shares.all():
                raw = request.POST.get(f"bad-{share.household_id}", "0").strip() or "0"
                rejected[share.household_id] = int(raw) if raw.isdigit() else -1
        if disposition not in Inspection.Disposition.values or not disposition:
            messages.error(request, _("请选择处置方式。"))
        else:
            try:
                inspection_dispose(
                    actor=request.user,
                    inspection_id=inspection_id,
                    disposition=disposition,
                    rejected_by_household=rejected or None,
                )
            except ApplicationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("已处置。"))
    return redirect("quality:lot", code=lot.code)


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


@page(LEAD, CHECKER)
def label(request: HttpRequest, code: str) -> HttpResponse:
    lot = lot_get(viewer=request.user, code=code)
    png = reverse("api:read_lot_label", kwargs={"code": lot.code})
    return render(request, "quality/label.html", {"lot": lot, "png": png})


def order_quality_charts(*, order_id: int, workshop_names: dict[int, str]) -> dict:
    """The merchant's order page charts: defects by kind found in the order's inspections, and
    first-pass yield by workshop (the caller has checked the viewer may see the order)."""
    from .selectors import defects_by_kind, first_pass_yield_by_workshop

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
    newest: dict[int, Lot] = {}
    for lot in lot_list(viewer=request.user, kind="finished").filter(batch__order_id=order.pk):
        newest.setdefault(lot.batch_id, lot)  # lot_list is newest first
    for batch in batches:
        batch.lot = newest.get(batch.pk)
    context = {
        "order": order,
        "batches": batches,
        "status_chart": hbar_chart(
            list(by_status.items()), unit=_("件"), title=_("各状态件数"), colour="#1a56c4"
        ),
        "quality": _quality_charts(order.pk, batches),
    }
    return render(request, "quality/order.html", context)


def _quality_charts(order_id: int, batches: list[Batch]) -> dict:
    """Defects by kind and first-pass yield by workshop, for the order's workshops."""
    names = {b.workshop_id: b.workshop.name for b in batches if b.workshop_id}
    return order_quality_charts(order_id=order_id, workshop_names=names)
