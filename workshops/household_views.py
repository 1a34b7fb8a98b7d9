"""Pages for a workshop's households that the lead (its own workshop) and operators (any) share:
the roster import (upload → preview by cell → confirm), consent (record with a photo of the
signed paper, withdraw), and an operator's erasure on the household's request.

Every write is a ``workshops.services`` call; a refusal shows its message and changes nothing.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError, NotFound

from .models import HouseholdConsent
from .roster import MAX_BYTES, MAX_ROWS, template_xlsx
from .selectors import household_get, household_list, workshop_get
from .services import (
    household_consent_record,
    household_consent_withdraw,
    household_erase,
    household_import_confirm,
    household_import_get,
    household_import_preview,
)

LEAD = "lead"
OPERATOR = "operator"


class RosterForm(forms.Form):
    roster = forms.FileField(label=gettext_lazy("名册文件（.xlsx 或 .csv）"))


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label=gettext_lazy("用途"), choices=HouseholdConsent.Purpose.choices
    )
    method = forms.ChoiceField(
        label=gettext_lazy("方式"),
        choices=[
            (HouseholdConsent.Method.PAPER, HouseholdConsent.Method.PAPER.label),
            (HouseholdConsent.Method.IN_PERSON, HouseholdConsent.Method.IN_PERSON.label),
        ],
    )
    photo = forms.ImageField(label=gettext_lazy("同意书照片"), required=False)


class EraseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因（本人何时、如何申请）"), max_length=200)


def _own_workshop_id(request: HttpRequest) -> int:
    workshop = getattr(request.user.organisation, "workshop", None)
    if workshop is None:
        raise NotFound(code="workshop_not_found")
    return workshop.pk


@page(LEAD)
def my_households(request: HttpRequest) -> HttpResponse:
    """The lead's own households: consent at a glance, the import."""
    workshop = workshop_get(viewer=request.user, workshop_id=_own_workshop_id(request))
    households = household_list(viewer=request.user, workshop_id=workshop.pk)
    return render(
        request,
        "workshops/my_households.html",
        {"workshop": workshop, "households": households[:500]},
    )


@page(LEAD)
def roster_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="households-template.xlsx"'
    return response


@page(LEAD)
def roster_upload(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    form = RosterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["roster"]
        if upload.size > MAX_BYTES:
            form.add_error(
                "roster",
                _("文件太大（最大 %(mb)s MB），请分成几个文件上传。")
                % {"mb": MAX_BYTES // (1024 * 1024)},
            )
        else:
            try:
                preview = household_import_preview(
                    actor=request.user,
                    workshop_id=workshop.pk,
                    file_name=upload.name,
                    content=upload.read(),
                )
            except ApplicationError as exc:
                form.add_error("roster", error_text(exc))
            else:
                return redirect("workshops:roster_preview", token=preview.token)
    context = {"workshop": workshop, "form": form, "max_rows": MAX_ROWS}
    return render(request, "workshops/roster_upload.html", context)


@page(LEAD)
def roster_preview(request: HttpRequest, token: str) -> HttpResponse:
    preview = household_import_get(viewer=request.user, token=token)
    if request.method == "POST":
        try:
            include = [int(row) for row in request.POST.getlist("include")]
            preview = household_import_confirm(
                actor=request.user,
                token=preview.token,
                file_sha256=request.POST.get("file_sha256", ""),
                include_rows=include,
            )
        except ValueError:
            messages.error(request, _("请选择要导入的行。"))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已导入 %(n)s 户。") % {"n": preview.created_count})
        return redirect("workshops:roster_preview", token=preview.token)
    context = {
        "preview": preview,
        "header_errors": [e for e in preview.errors if e["row"] == 1],
        "error_rows": len({e["row"] for e in preview.errors if e["row"] != 1}),
    }
    return render(request, "workshops/roster_preview.html", context)


@page(LEAD)
def household_consent(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get(viewer=request.user, household_id=household_id)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        try:
            if "withdraw" in request.POST:
                household_consent_withdraw(
                    actor=request.user,
                    household_id=household.pk,
                    purpose=request.POST["withdraw"],
                )
                messages.success(request, _("已撤回授权。"))
                return redirect("workshops:household_consent", household_id=household.pk)
            if form.is_valid():
                photo = form.cleaned_data["photo"]
                household_consent_record(
                    actor=request.user,
                    household_id=household.pk,
                    purpose=form.cleaned_data["purpose"],
                    method=form.cleaned_data["method"],
                    photo=photo.read() if photo else None,
                )
                messages.success(request, _("已记录授权。"))
                return redirect("workshops:household_consent", household_id=household.pk)
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
    context = {
        "household": household,
        "form": form,
        "consents": household.consents.select_related("recorded_by", "withdrawn_by"),
    }
    return render(request, "workshops/consent.html", context)


@page(OPERATOR)
def household_erase_page(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get(viewer=request.user, household_id=household_id)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household_erase(
                actor=request.user, household_id=household.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("已匿名化：金额、派工和结算记录都保留。"))
            return redirect("workshops:workshop", workshop_id=household.workshop_id)
    return render(request, "workshops/erase.html", {"household": household, "form": form})
