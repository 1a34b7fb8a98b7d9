from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import page_not_found

from core.errors import error_json_response

from .api import api

admin.site.site_header = _("手创 Shouchuang 运营后台")
admin.site.site_title = _("手创 Shouchuang")


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the container health check: the database answers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@csrf_exempt  # it changes nothing, whatever the method: answered as an unknown address
def api_not_found(request: HttpRequest) -> HttpResponse:
    return error_json_response(404)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Any other address under /api/ answers in the error shape, with DEBUG on as well (where
    # handler404 is not used and Django would answer its HTML page).
    re_path(r"^api/", api_not_found, name="api_not_found"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The phone pages (server-rendered, htmx); each app owns its page URLs.
    path("", include("pages.urls")),
    path("", include("trainees.urls")),
    path("", include("orders.urls")),
    path("", include("quality.urls")),
    path("", include("allocation.urls")),
    path("", include("payouts.urls")),
    path("", include("sms.urls")),
    path("", include("workshops.urls")),
    path("", include("stories.urls")),
    path("", include("accounts.urls")),
    path("", include("integrations.urls")),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Unknown addresses under /api/ answer in the API's error shape, pages in HTML."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return page_not_found(request, exception)


handler404 = not_found
