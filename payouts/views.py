"""Operator pages for payout periods (create, compute, approve, mark paid) and the household
statement behind its link (no login: the unguessable token is the whole capability).

Writes go through payouts.services, reads through payouts.selectors (the per-workshop summary
of a period is an aggregate of payouts' own lines, read here).
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticValidationError

from core.access import error_text, page
from core.errors import ApplicationError, NotFound
from core.locales import language_codes, zone
from core.pagination import KeysetPagination
from jobs.models import Job
from jobs.selectors import job_is_stalled
from orders.models import OrderPhoto

from . import selectors
from .currency_views import period_currencies_context
from .exports import period_transfer_file
from .models import PaymentMethod, PayoutAdjustment, PayoutPeriod, period_extras
from .money import fen_to_yuan, format_exact
from .selectors import StatementNotFound, statement_get, statement_list, statement_tokens
from .services import (
    adjustment_create,
    period_approve_request,
    period_compute_request,
    period_create,
    period_mark_paid,
    statement_link_reissue,
)

OPERATOR = "operator"


class PeriodForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=120, required=False)
    starts_on = forms.DateField(
        label=gettext_lazy("开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("结束日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@page(OPERATOR)
def periods(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    form = PeriodForm(
        request.POST or None,
        initial={"starts_on": last_month_end.replace(day=1), "ends_on": last_month_end},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period = period_create(
                actor=request.user,
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            return redirect("payouts:period", period_id=period.pk)
    recent = selectors.period_list(viewer=request.user)[:30]
    return render(request, "payouts/period_list.html", {"periods": recent, "form": form})


class AdjustmentForm(forms.Form):
    """A bonus or deduction for one household, from its line on the period page."""

    household_id = forms.IntegerField(widget=forms.HiddenInput)
    key = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=PayoutAdjustment.Kind.choices,
        widget=forms.RadioSelect,
        initial=PayoutAdjustment.Kind.BONUS,
    )
    amount = forms.DecimalField(
        label=gettext_lazy("金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
    )
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200)


LINES_PER_PAGE = 20


@page(OPERATOR)
def period_detail(request: HttpRequest, period_id: int) -> HttpResponse:
    return _period_page(request, period_id)


def _period_page(
    request: HttpRequest, period_id: int, *, form: "AdjustmentForm | None" = None, status=200
) -> HttpResponse:
    period = selectors.period_detail(viewer=request.user, period_id=period_id)
    Status = PayoutPeriod.Status
    context = {
        "period": period,
        "accepted": period.pieces + period.rework_pieces,
        "money": {
            "gross": fen_to_yuan(period.gross_fen),
            "households": fen_to_yuan(period.households_fen),
            "lead": fen_to_yuan(period.lead_fen),
            "center": fen_to_yuan(period.center_fen),
            "bonus": fen_to_yuan(period.bonus_fen),
            "deduction": fen_to_yuan(period.deduction_fen),
            "payable": fen_to_yuan(period.payable_fen),
            "premium": fen_to_yuan(period_extras(period)["premium_fen"]),
            "recovery": fen_to_yuan(period_extras(period)["recovery_fen"]),
            "has_extras": bool(
                period_extras(period)["premium_fen"] or period_extras(period)["recovery_fen"]
            ),
        },
        "workshops": [
            {**row, "amount": fen_to_yuan(row["amount_fen"])} for row in period.workshop_totals
        ],
        "statement_count": period.statement_count,
        "adjustable": period.status in {Status.DRAFT, Status.COMPUTED},
        "exportable": period.status in {Status.APPROVED, Status.PAID},
        "payment_methods": PaymentMethod.choices,
        "payment_counts": selectors.period_payment_counts(period_id=period.pk),
        **_period_job(period),
        **_period_lines(request, period, form=form),
        **period_currencies_context(period),
    }
    # A lost paper slip: find the household's statement and replace its link.
    household = request.GET.get("household", "").strip()
    if household and context["statement_count"]:
        context["household_query"] = household
        context["found_statements"] = [
            {"statement": row, "total": fen_to_yuan(row.total_fen)}
            for row in statement_list(viewer=request.user, period_id=period.pk, search=household)[
                :20
            ]
        ]
    return render(request, "payouts/period.html", context, status=status)


def _period_lines(request: HttpRequest, period: PayoutPeriod, form=None) -> dict:
    """The household lines (searched and paged in the database), the adjustments, and the
    adjustment form for the household chosen from its line (``?adjust=<id>``)."""
    query = request.GET.get("q", "").strip()[:60]
    lines = selectors.line_list(viewer=request.user, period_id=period.pk, search=query)
    # Paged by cursor (?after=, the last line's key): a deep page is an index seek and no page
    # counts the period's lines (the household count is on the page already).
    after = request.GET.get("after", "")
    try:
        wanted = KeysetPagination.Input(limit=LINES_PER_PAGE, after=after or None)
    except PydanticValidationError:
        wanted, after = KeysetPagination.Input(limit=LINES_PER_PAGE), ""
    page_of_lines = KeysetPagination(keys=selectors.LINE_KEYS).paginate_queryset(lines, wanted)
    rows = [
        {
            "line": line,
            "accepted": line.pieces + line.rework_pieces,
            "amount": fen_to_yuan(line.amount_fen),
        }
        for line in page_of_lines["items"]
    ]
    adjustments = [
        {"adjustment": adjustment, "amount": fen_to_yuan(adjustment.amount_fen)}
        for adjustment in selectors.adjustment_list(viewer=request.user, period_id=period.pk)
        .select_related("household")
        .order_by("-pk")[:50]
    ]
    adjust = request.GET.get("adjust", "")
    chosen = None
    if form is None and adjust.isdigit():
        form = AdjustmentForm(initial={"household_id": int(adjust), "key": uuid.uuid4()})
    if form is not None:
        household_id = form["household_id"].value()
        chosen = selectors.period_household(
            viewer=request.user, period_id=period.pk, household_id=household_id
        )
    return {
        "lines": rows,
        "lines_after": after,
        "lines_next": page_of_lines["next"],
        "line_query": query,
        "adjustments": adjustments,
        "adjust_form": form if chosen else None,
        "adjust_household": chosen,
    }


@page(OPERATOR)
def period_adjust(request: HttpRequest, period_id: int) -> HttpResponse:
    """Record a bonus or deduction from the period page (the service refuses it once the period
    is approving or approved); the form's key makes a double post one adjustment."""
    back = redirect("payouts:period", period_id=period_id)
    if request.method != "POST":
        return back
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            adjustment_create(
                actor=request.user,
                period_id=period_id,
                household_id=data["household_id"],
                kind=data["kind"],
                amount=data["amount"],
                reason=data["reason"],
                idempotency_key=data["key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("已登记调整。"))
            return back
    # Invalid or refused: the page again, with the form and its message beside it.
    return _period_page(request, period_id, form=form, status=400)


@page(OPERATOR)
def period_transfer(request: HttpRequest, period_id: int, kind: str) -> HttpResponse:
    """The bank's transfer file of an approved period, as the API's export makes it."""
    if kind not in {"csv", "xlsx"}:
        raise Http404
    try:
        filename, content_type, body = period_transfer_file(
            viewer=request.user, period_id=period_id, kind=kind
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, error_text(exc))
        return redirect("payouts:period", period_id=period_id)
    return download(filename, content_type, body)


def _period_job(period: PayoutPeriod) -> dict:
    """The job of the period's background work, for its progress and, if lost, a retry.

    ``job_lost``: the job failed or its worker stopped beating; the button starts a new attempt
    (an approval goes on from where it stopped, a compute starts again).
    """
    Status = PayoutPeriod.Status
    job_id = {
        Status.COMPUTING: period.compute_job_id,
        Status.APPROVING: period.approve_job_id,
        Status.DRAFT: period.compute_job_id,  # a compute that failed left it a draft
    }.get(period.status)
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    if period.status == Status.DRAFT and (job is None or job.status != Job.Status.FAILED):
        job = None
    running = job is not None and not job.is_finished and not job_is_stalled(job)
    busy = period.status in {Status.COMPUTING, Status.APPROVING}
    return {"job": job, "job_running": running, "job_lost": busy and not running}


@page(OPERATOR)
def statement_reissue(request: HttpRequest, period_id: int, statement_id: int) -> HttpResponse:
    """Replace one statement's link (operators): the old slip's QR stops working at once."""
    back = redirect("payouts:period", period_id=period_id)
    if request.method != "POST":
        return back
    # only a statement of this period: the URL names both
    statements = statement_list(viewer=request.user, period_id=period_id)
    if not statements.filter(pk=statement_id).exists():
        raise Http404
    try:
        statement_link_reissue(
            statement_id=statement_id,
            operator=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return back
    slip = reverse("payouts:slips", kwargs={"period_id": period_id})
    messages.success(
        request,
        format_html(
            '{} <a href="{}?statement={}">{}</a>',
            _("旧链接已作废，新链接已生成。"),
            slip,
            statement_id,
            _("打印新的结算单"),
        ),
    )
    return back


@page(OPERATOR)
def period_action(request: HttpRequest, period_id: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("payouts:period", period_id=period_id)
    try:
        if action == "compute":
            _period_state, job = period_compute_request(period_id=period_id, actor=request.user)
            done = _("计算中，请稍后刷新。") if job else _("已计算。请核对金额后审核。")
        elif action == "approve":
            period, _job = period_approve_request(
                period_id=period_id,
                actor=request.user,
                # a period that pays nothing is approved only when the operator ticked the box
                confirm_empty=request.POST.get("confirm_empty") == "1",
            )
            if period.status == PayoutPeriod.Status.APPROVING:
                done = _("审核中：正在生成台账和农户结算单，进度见本页。")
            else:  # no worker: approved in this request
                done = _("已审核并锁定，农户结算单已生成。")
        elif action == "paid":
            period_mark_paid(
                period_id=period_id,
                actor=request.user,
                payment_reference=request.POST.get("payment_reference", ""),
                method=request.POST.get("method") or PaymentMethod.BANK,
            )
            done = _("已记录发放，付款凭证号已保存。")
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("payouts:period", period_id=period_id)


def download(filename: str, content_type: str, body: bytes) -> HttpResponse:
    """A file to save (transfer files, statements): names the file, and no cache keeps it."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def _not_stored(response: HttpResponse) -> HttpResponse:
    """Behind a statement token: one household's page, kept by no cache (a replaced link
    must be dead everywhere at once), and the link is the key: do not leak it."""
    response["Cache-Control"] = "no-store, private"
    # No other site may see the link in a Referer; same-origin requests keep theirs
    # (no-referrer made the language switch post "Origin: null", a CSRF 403).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def statement(request: HttpRequest, token: str) -> HttpResponse:
    """One household's statement, for someone who may read little: the photo, the numbers."""
    try:
        detail = statement_get(token=token)
    except StatementNotFound:
        # a wrong link, or one replaced after the slip was lost: say so, and where to turn
        return _not_stored(render(request, "payouts/statement_missing.html", status=404))
    photos: dict[int, object] = {}
    for photo in OrderPhoto.objects.filter(order_id__in=[line.order_id for line in detail.lines]):
        photos.setdefault(photo.order_id, photo)
    # Every figure on the page adds up: pieces × fee (exact, rework apart) = the order's money
    # (rounded once to the fen), less the lead's and the center's shares = what the household
    # gets; those plus the adjustments = the total at the top.
    lines = [
        {
            "product": line.product,
            "photo": photos.get(line.order_id),
            "pieces": line.pieces,
            "fee": format_exact(line.fee),
            "first_pass": format_exact(line.first_pass_exact),
            "rework_pieces": line.rework_pieces,
            "rework_fee": format_exact(line.rework_fee),
            "rework": format_exact(line.rework_exact),
            "rounded": line.rounded,
            "gross": fen_to_yuan(line.gross_fen),
            "lead_name": line.lead_name,
            "lead": fen_to_yuan(line.lead_fen),
            "center_name": line.center_name,
            "center": fen_to_yuan(line.center_fen),
            "amount": fen_to_yuan(line.amount_fen),
        }
        for line in detail.lines
    ]
    adjustments = [
        {
            "kind": a["kind"],
            "label": a["kind_label"],
            "reason": a["reason"],
            "amount": fen_to_yuan(abs(a["amount_fen"])),
        }
        for a in detail.adjustments
    ]
    extras = [
        {
            "kind": a["kind"],
            "label": a["kind_label"],
            "reason": a["reason"],
            "amount": fen_to_yuan(abs(a["amount_fen"])),
            "negative": a["amount_fen"] < 0,
        }
        for a in detail.extras
    ]
    context = {
        "extras": extras,
        "statement": detail,
        "total": fen_to_yuan(detail.total_fen),
        "net": fen_to_yuan(detail.net_fen),
        "lines": lines,
        "adjustments": adjustments,
        "paid": detail.status == "paid",
    }
    # In the household's language (unless the reader picked one with the switch: the cookie
    # wins) and at the household's local time.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = translation.get_language() if chosen in language_codes() else detail.language
    with translation.override(language), timezone.override(zone(detail.time_zone)):
        response = render(request, "payouts/statement.html", context)
    response["Content-Language"] = language
    return _not_stored(response)


def _qr_svg(url: str) -> str:
    """A QR code as inline SVG paths (no image file, prints sharp at any size)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@page("lead")
def statement_slips(request: HttpRequest, period_id: int) -> HttpResponse:
    """Paper slips for a workshop's households (or one household's, after its link was
    replaced): name, total and the QR of their statement."""
    workshop = request.GET.get("workshop", "")
    one = request.GET.get("statement", "")
    try:
        tokens = statement_tokens(
            viewer=request.user,
            period_id=period_id,
            workshop_id=int(workshop) if workshop.isdigit() else None,
            statement_id=int(one) if one.isdigit() else None,
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("payouts:period", period_id=period_id)
    slips = []
    for token in tokens[:500]:
        detail = statement_get(token=token)
        slips.append(
            {
                "detail": detail,
                "total": fen_to_yuan(detail.total_fen),
                "qr": mark_safe(_qr_svg(detail.url)),  # noqa: S308 - our own generated SVG
            }
        )
    return render(request, "payouts/slips.html", {"slips": slips})
