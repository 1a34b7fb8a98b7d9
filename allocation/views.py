"""The operator's allocation pages: start a run, review it batch by batch (a page of 50, by
region, workshop or status) with each proposal's workshop, region, reasons, fee and deadline,
leave batches out (不分配此批) or put them back, and confirm the rest.

Every write goes through allocation.services, every read through allocation.selectors: the
same calls the API makes. Each action is its own small form that posts and redirects back to
where the operator was, so the review works without JavaScript and across pages.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.access import error_text, page
from core.errors import ApplicationError

from .models import AllocationProposal, AllocationRun
from .schemas import skip_message
from .selectors import allocation_review_facets, allocation_run_page
from .services import (
    allocation_proposal_exclude,
    allocation_proposal_restore,
    allocation_run_apply,
    allocation_run_start,
)

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


PER_PAGE = 50
STATUS_FILTERS = (
    AllocationProposal.Status.PROPOSED,
    AllocationProposal.Status.EXCLUDED,
    AllocationProposal.Status.UNASSIGNED,
    AllocationProposal.Status.APPLIED,
    AllocationProposal.Status.SKIPPED,
)


def _int(value: str | None) -> int | None:
    """A positive id or page number from the query; anything else (or absurdly big) is none."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _back(request: HttpRequest, run_id: int) -> HttpResponse:
    """Back to the review where the operator was: same filters and page, at the card."""
    query = QueryDict(request.POST.get("back", ""))  # a query string only: no host, no path
    url = reverse("allocation:run", args=[run_id])
    if query:
        url += "?" + query.urlencode()
    proposal = request.POST.get("proposal")
    return redirect(url + (f"#p-{proposal}" if proposal and proposal.isdigit() else ""))


@page(OPERATOR)
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """Review a run batch by batch: a page of 50, by region, workshop or status."""
    region_id = _int(request.GET.get("region"))
    workshop_id = _int(request.GET.get("workshop"))
    status = request.GET.get("status") or None
    if status not in STATUS_FILTERS:
        status = None
    number = min(_int(request.GET.get("page")) or 1, 100_000)  # the offset stays an integer
    run, proposals, count = allocation_run_page(
        viewer=request.user,
        run_id=run_id,
        offset=(number - 1) * PER_PAGE,
        limit=PER_PAGE,
        region_id=region_id,
        workshop_id=workshop_id,
        status=status,
    )
    pages = max(1, -(-count // PER_PAGE))
    if number > pages:
        return redirect(_page_url(run_id, request.GET, pages))
    for proposal in proposals:
        proposal.reason_texts = [reason_text(r) for r in proposal.reasons]
        proposal.skip_text = skip_message(proposal.skip_reason) if proposal.skip_reason else ""
    facets = allocation_review_facets(run=run, region_id=region_id)
    statuses = facets.statuses
    context = {
        "run": run,
        "proposals": proposals,
        "count": count,
        "facets": facets,
        "status_choices": [
            (value, AllocationProposal.Status(value).label, statuses.get(value, 0))
            for value in STATUS_FILTERS
            if statuses.get(value)
        ],
        "chosen": {"region": region_id, "workshop": workshop_id, "status": status or ""},
        "to_apply": statuses.get(AllocationProposal.Status.PROPOSED, 0),
        "left_out": statuses.get(AllocationProposal.Status.EXCLUDED, 0),
        "page": number,
        "pages": pages,
        "previous_url": _page_url(run_id, request.GET, number - 1) if number > 1 else "",
        "next_url": _page_url(run_id, request.GET, number + 1) if number < pages else "",
        "back": request.GET.urlencode(),
    }
    return render(request, "allocation/run.html", context)


def _page_url(run_id: int, query: QueryDict, number: int) -> str:
    query = query.copy()
    query["page"] = str(number)
    return reverse("allocation:run", args=[run_id]) + "?" + query.urlencode()


@page(OPERATOR)
def run_apply(request: HttpRequest, run_id: int) -> HttpResponse:
    """Confirm: claim every batch still proposed; the left-out ones stay open."""
    if request.method != "POST":
        return redirect("allocation:run", run_id=run_id)
    try:
        run = allocation_run_apply(run_id=run_id, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        text = _(
            "已执行：%(applied)s 个批次分给了工坊，%(skipped)s 个跳过（原因见各批次），"
            "%(excluded)s 个不分配。"
        ) % {"applied": run.applied, "skipped": run.skipped, "excluded": run.excluded}
        if run.applied:
            text += _("已通知各工坊带头人。")
        messages.success(request, text)
    return redirect("allocation:run", run_id=run_id)


@page(OPERATOR)
def proposal_exclude(request: HttpRequest, run_id: int, proposal_id: int) -> HttpResponse:
    """不分配此批: leave one batch out of the run (it stays open for leads to claim)."""
    if request.method != "POST":
        return redirect("allocation:run", run_id=run_id)
    try:
        proposal = allocation_proposal_exclude(
            actor=request.user,
            run_id=run_id,
            proposal_id=proposal_id,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("「%(product)s」第 %(number)s 批不分配，执行方案时会留给带头人自己认领。")
            % {"product": proposal.batch.order.product_name, "number": proposal.batch.number},
        )
    return _back(request, run_id)


@page(OPERATOR)
def proposal_restore(request: HttpRequest, run_id: int, proposal_id: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("allocation:run", run_id=run_id)
    try:
        proposal = allocation_proposal_restore(
            actor=request.user, run_id=run_id, proposal_id=proposal_id
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("「%(product)s」第 %(number)s 批放回方案。")
            % {"product": proposal.batch.order.product_name, "number": proposal.batch.number},
        )
    return _back(request, run_id)
