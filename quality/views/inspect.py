"""The checker's pages: lots to inspect, a lot with its sampling plan and the inspection form,
and the disposition of a rejected lot."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError

from ..models import DefectClass, DefectKind, Inspection, Lot, PieceOutcome, Severity
from ..selectors import lot_get, lot_list
from ..services import (
    DefectIn,
    inspection_dispose,
    inspection_photo_add,
    lot_inspect,
    lot_plan,
    next_lot_plan,
)

LEAD, CHECKER = "lead", "checker"
DEFECT_ROWS = 3


@page(CHECKER)
def lots_to_inspect(request: HttpRequest) -> HttpResponse:
    lots = (
        lot_list(viewer=request.user, kind=Lot.Kind.FINISHED)
        .filter(verdict__in=[Lot.Verdict.PENDING, Lot.Verdict.REWORK])
        .prefetch_related(None)  # the cards show no households
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

    def clean(self) -> dict:
        """A row the checker touched counts whole or is refused: never dropped half-filled.

        (An untouched row is not validated at all: the formset skips unchanged extra forms.)
        """
        data = super().clean()
        if "kind" not in self.errors and not data.get("kind"):
            self.add_error("kind", _("请选择缺陷类型（或清空这一行）。"))
        if "count" not in self.errors and not data.get("count"):
            self.add_error("count", _("请填写不合格件数（或清空这一行）。"))
        return data


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


# Why the severity changed, in words (``quality.sampling.switching_next`` reasons).
SWITCH_REASONS = {
    "2_of_5_rejected": gettext_lazy("最近 5 包中已有 2 包不合格"),
    "5_accepted": gettext_lazy("加严下连续 5 包合格"),
    "5_rejected_under_tightened": gettext_lazy("加严下累计 5 包不合格"),
    "rejected_under_reduced": gettext_lazy("放宽检验时出现不合格"),
}


def next_plan_context(lot: Lot, inspection: Inspection) -> dict:
    """What the checker reads after a verdict: the plan the next lot of this workshop and
    product will get under the switching rules, and why it changed if it did."""
    upcoming = next_lot_plan(lot=lot, inspection=inspection)
    switched = upcoming.switched
    context = {
        "stopped": upcoming.stopped,
        "next_lot": upcoming.next_lot,
        "plan": upcoming.plan,
        "severity": Severity(upcoming.plan.severity).label if upcoming.plan else "",
        "sentence": plan_sentence(upcoming.plan) if upcoming.plan else "",
        "switched_to": Severity(switched.to_severity).label if switched else "",
        "switch_reason": SWITCH_REASONS.get(switched.reason, "") if switched else "",
    }
    return context


def verdict_counts(inspection: Inspection, lot: Lot) -> dict:
    """Pieces accepted and rejected by the decision (a rejected lot waiting for its
    disposition: the whole lot is held)."""
    if inspection.decided_at is None:
        return {"decided": False, "held": lot.quantity}
    totals = PieceOutcome.objects.filter(inspection=inspection).aggregate(
        accepted=Sum("accepted"), rejected=Sum("rejected")
    )
    return {
        "decided": True,
        "accepted": totals["accepted"] or 0,
        "rejected": totals["rejected"] or 0,
    }


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
            if row.has_changed()  # every changed row is complete here (DefectRow.clean)
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
    last = inspections[0] if inspections else None
    current = last if last and last.round == lot.round else None
    context = {
        "lot": lot,
        "plan": plan,
        "plan_sentence": plan_sentence(plan) if plan else "",
        "severity_label": Severity(plan.severity).label if plan else "",
        "inspectable": inspectable,
        "rows": rows,
        "form": form,
        "inspections": inspections,
        "last": last,
        # This round's verdict is the news, so it comes first; then the next lot's plan.
        "current": current,
        "counts": verdict_counts(current, lot) if current else None,
        "upcoming": next_plan_context(lot, current) if current else None,
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
