"""The shell of the phone pages: sign in and out, each role's home, the service worker."""

import hashlib

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import lockout_response as api_lockout_response
from core.access import page
from core.charts import hbar_chart
from core.nav import home_url
from payouts.selectors import payment_attention_count
from quality.selectors import scan_exception_list

from .impact import impact_summary, latest_month_by_region

# What the service worker keeps on the phone so the scan page opens with no signal.
OFFLINE_ASSETS = [
    "css/app.css",
    "js/htmx.min.js",
    "js/app.js",
    "js/offline.js",
    "js/scan.js",
]


class LoginView(auth_views.LoginView):
    template_name = "pages/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_url(self.request.user)


@never_cache
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        from django.contrib.auth import logout

        logout(request)
        messages.info(request, _("您已退出登录。"))
        return redirect("pages:login")
    return render(request, "pages/logout.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url(request.user))


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/account.html")


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """A lost or lent phone: end every session and bearer token of this person, this one too."""
    from django.contrib.auth import logout

    from accounts.services import user_sign_out_everywhere

    user_sign_out_everywhere(user=request.user)
    logout(request)
    messages.info(request, _("已在所有手机和浏览器上退出登录。"))
    return redirect("pages:login")


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """django-axes: too many failed sign-ins. Pages get a page; the API its error body."""
    if request.path.startswith("/api/"):
        return api_lockout_response(request, original_response, credentials)
    return render(request, "pages/locked_out.html", status=429)


def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/offline.html")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from the site root so that it may control every page (its scope is "/")."""
    assets = [static(name) for name in OFFLINE_ASSETS]
    version = hashlib.sha256("|".join(assets).encode()).hexdigest()[:12]
    body = render_to_string(
        "pages/sw.js", {"assets": assets, "version": version, "offline_url": "/offline/"}
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@page("operator")
def impact(request: HttpRequest) -> HttpResponse:
    """The operator's dashboard: households earning, income per household, fees, graduates."""
    summary = impact_summary(viewer=request.user)
    latest = latest_month_by_region(summary)
    chart = hbar_chart(latest, unit="", title=_("最近一个月各地户均收入（元）"))
    # Material lots that arrived after their batch moved on (docs/orders.md, "Offline truth").
    scan_exceptions = scan_exception_list(viewer=request.user, open_only=True).count()
    # Payments no household confirmed in time, and households saying "没收到" (payouts.payments).
    payments_waiting = payment_attention_count(viewer=request.user)
    context = {
        "impact": summary,
        "chart": chart,
        "scan_exceptions": scan_exceptions,
        "payments_waiting": payments_waiting,
    }
    return render(request, "pages/impact.html", context)
