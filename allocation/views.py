"""The operator's allocation pages: start a run, review each batch's proposal and reasons, apply.

Every write goes through allocation.services, every read through allocation.selectors: the
same calls the API makes.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import error_text, page
from core.errors import ApplicationError

from .models import AllocationRun
from .selectors import allocation_run_page
from .services import allocation_run_apply, allocation_run_start

OPERATOR = "operator"


def reason_text(reason: dict) -> str:
    """One engine reason in words (the run stores codes and numbers)."""
    code = reason.get("code")
    if code == "distance":
        return _("距离 %(km)s 公里") % reason
    if code == "first_pass_yield":
        return _("一次合格率 %(p)s%%") % {"p": round(reason["value"] * 100, 1)}
    if code == "first_pass_yield_unknown":
        return _("还没有质量记录（按 %(p)s%% 估算）") % {"p": round(reason["value"] * 100, 1)}
    if code == "deadline":
        return _("离交货 %(days_left)s 天，按产能需 %(days_needed)s 天") % reason
    if code == "households":
        return _("%(households)s 户，每户约 %(pieces_per_household)s 件") % reason
    if code == "no_eligible_workshop":
        return _("没有技能、区域和产能都合适的工坊")
    if code == "capacity_taken":
        return _("%(count)s 个合适的工坊产能已被占满") % reason
    return str(code)


@page(OPERATOR)
def run_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            run = allocation_run_start(actor=request.user)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            return redirect("allocation:run", run_id=run.pk)
    runs = AllocationRun.objects.select_related("created_by")[:20]
    return render(request, "allocation/runs.html", {"runs": runs})


@page(OPERATOR)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    if request.method == "POST":
        try:
            run = allocation_run_apply(run_id=run_id, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("已执行：%(applied)s 个批次分给了工坊，%(skipped)s 个跳过（原因见各批次）。")
                % {"applied": run.applied, "skipped": run.skipped},
            )
        return redirect("allocation:run", run_id=run_id)
    run, proposals, count = allocation_run_page(viewer=request.user, run_id=run_id, limit=200)
    for proposal in proposals:
        proposal.reason_texts = [reason_text(r) for r in proposal.reasons]
    context = {"run": run, "proposals": proposals, "count": count}
    return render(request, "allocation/run.html", context)
