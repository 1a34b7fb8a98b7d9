"""The merchant's integrations page (/shop/integrations/): API keys and webhook endpoints, each
made, switched off or revoked here; a new key or secret is shown once, on the next page view,
and kept nowhere else; each endpoint's delivery log with a replay button."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import error_text, page
from core.errors import ApplicationError

from .events import EVENTS
from .keys import api_key_create, api_key_revoke
from .scopes import SCOPES
from .selectors import api_key_list, webhook_delivery_list, webhook_endpoint_list
from .webhooks import webhook_delivery_replay, webhook_endpoint_create, webhook_endpoint_set_active

MERCHANT = "merchant"
SHOWN_ONCE = "integrations_shown_once"


def _act(request: HttpRequest) -> None:
    action = request.POST.get("action", "")
    target = request.POST.get("id", "")
    target_id = int(target) if target.isdigit() else 0
    if action == "key_create":
        _key, raw = api_key_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            scopes=request.POST.getlist("scopes"),
        )
        request.session[SHOWN_ONCE] = {"label": _("接口密钥"), "value": raw}
    elif action == "key_revoke":
        api_key_revoke(actor=request.user, key_id=target_id)
        messages.success(request, _("密钥已吊销，立即失效。"))
    elif action == "endpoint_create":
        _endpoint, secret = webhook_endpoint_create(
            actor=request.user,
            url=request.POST.get("url", ""),
            events=request.POST.getlist("events"),
        )
        request.session[SHOWN_ONCE] = {"label": _("签名密钥"), "value": secret}
    elif action in {"endpoint_enable", "endpoint_disable"}:
        webhook_endpoint_set_active(
            actor=request.user, endpoint_id=target_id, active=action == "endpoint_enable"
        )
    elif action == "replay":
        webhook_delivery_replay(actor=request.user, delivery_id=target_id)
        messages.success(request, _("已重新发送。"))


@page(MERCHANT)
def integrations(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _act(request)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        return redirect("integrations:integrations")
    shown = request.session.pop(SHOWN_ONCE, None)
    endpoints = list(webhook_endpoint_list(viewer=request.user)[:20])
    for endpoint in endpoints:
        endpoint.log = list(
            webhook_delivery_list(viewer=request.user, endpoint_id=endpoint.pk)[:10]
        )
    context = {
        "shown": shown,
        "keys": api_key_list(viewer=request.user)[:50],
        "endpoints": endpoints,
        "scopes": SCOPES.items(),
        "events": EVENTS.items(),
    }
    response = render(request, "integrations/integrations.html", context)
    response["Cache-Control"] = "no-store"  # a key shown once must not come back from a cache
    return response
