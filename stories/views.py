"""Story pages: the public page behind a hang-tag's QR, and the merchant's page for an order's
story (the switch, the tags and their views, hang-tag sheets to print)."""

import io

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.access import page
from core.media import media_url
from payouts.money import fen_to_yuan, format_exact

from .hangtags import MAX_TAGS, hangtag_sheet_pdf, story_url
from .selectors import StoryNotFound, order_story_page, story_get, story_tag_for_lot
from .services import order_story_set, story_tags_ensure, story_view_record

MERCHANT = "merchant"


@require_http_methods(["GET", "HEAD"])
def story(request: HttpRequest, code: str) -> HttpResponse:
    """Public, light (no script, no stylesheet file, one small photo), shareable."""
    try:
        found = story_get(code=code)
    except StoryNotFound as exc:
        raise Http404(str(exc.message)) from exc
    if request.method == "GET":
        story_view_record(tag_id=found.tag_id)
    share = found.households_share
    context = {
        "story": found,
        "fee": format_exact(found.fee_per_piece),
        "share_percent": None if share is None else round(share * 100),
        "paid_yuan": fen_to_yuan(found.paid_fen),
        "photo": media_url(found.photo.thumbnail, signed=True) if found.photo else "",
        "url": f"{settings.SITE_URL}/t/{found.code}",
    }
    response = render(request, "stories/story.html", context)
    response["Cache-Control"] = "public, max-age=300"
    return response


@page(MERCHANT)
@require_http_methods(["GET", "POST"])
def order_story(request: HttpRequest, order_id: int) -> HttpResponse:
    if request.method == "POST":
        enabled = request.POST.get("enabled")
        if enabled not in {"1", "0"}:
            messages.error(request, _("请选择公开或关闭。"))
        else:
            order_story_set(actor=request.user, order_id=order_id, enabled=enabled == "1")
            messages.success(
                request, _("故事页已公开。") if enabled == "1" else _("故事页已关闭。")
            )
        return redirect("stories:order", order_id=order_id)
    view = order_story_page(viewer=request.user, order_id=order_id)
    if view.enabled and story_tags_ensure(order_id=order_id):
        view = order_story_page(viewer=request.user, order_id=order_id)
    context = {
        "view": view,
        "max_tags": MAX_TAGS,
        "urls": {row.tag_code: story_url(row.tag_code) for row in view.tags},
    }
    return render(request, "stories/order_story.html", context)


@page(MERCHANT)
def hangtags(request: HttpRequest, order_id: int, lot_code: str) -> HttpResponse:
    """``?copies=N`` tags of one lot (default: one per piece, at most ``MAX_TAGS``)."""
    try:
        tag = story_tag_for_lot(viewer=request.user, order_id=order_id, lot_code=lot_code)
    except StoryNotFound as exc:
        raise Http404(str(exc.message)) from exc
    raw = request.GET.get("copies", "")
    copies = min(tag.lot.quantity, MAX_TAGS)
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_TAGS:
            messages.error(request, _("吊牌张数须在 1 到 %(max)s 之间。") % {"max": MAX_TAGS})
            return redirect("stories:order", order_id=order_id)
        copies = int(raw)
    out = io.BytesIO()
    hangtag_sheet_pdf(out, code=tag.code, product=tag.lot.batch.order.product_name, copies=copies)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="hangtags-{tag.lot.code}.pdf"'
    return response
