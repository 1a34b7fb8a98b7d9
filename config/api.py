"""The one NinjaAPI at /api/v1/: auth, routers of every app, and the one error body."""

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.renderers import JSONRenderer

from accounts.api import router as accounts_router
from core.errors import (
    ApplicationError,
    InvalidCharacters,
    InvalidInput,
    MalformedMultipart,
    error_body,
)
from core.openapi import document_errors
from core.parser import ApiParser
from integrations.api import router as integrations_router
from integrations.auth import api_auth
from integrations.openapi import document_webhooks
from jobs.api import router as jobs_router
from orders.api import router as orders_router
from payouts.api import router as payouts_router
from quality.api import router as quality_router
from trainees.api import router as trainees_router
from workshops.api import router as workshops_router

log = logging.getLogger("shouchuang.api")


class Utf8JSONRenderer(JSONRenderer):
    """Chinese as UTF-8 (3 bytes a character), not \\uXXXX escapes (6): phones on thin signal."""

    json_dumps_params = {"ensure_ascii": False}


class ShouchuangAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The generated document, with every operation's possible errors (core.openapi)."""
        return document_webhooks(document_errors(super().get_openapi_schema(**kwargs)))


api = ShouchuangAPI(
    title="Shouchuang 手创 API",
    version="1.0.0",
    description=(
        "Order distribution for cross-region handicraft cooperation (手创共富). "
        "Sign in with POST /auth/token and send `Authorization: Bearer <token>` (a merchant's "
        "systems send a scoped API key, `Bearer sck_…`; webhooks are under `webhooks`); "
        "errors are always {code, message, detail}. Lists take limit (1–200) and offset "
        "(0–10,000,000); JSON bodies must be sent as application/json; no text may contain "
        "the NUL character."
    ),
    auth=api_auth,
    renderer=Utf8JSONRenderer(),
    parser=ApiParser(),
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, status: int, code: str | None = None, message=None, detail=None
) -> HttpResponse:
    return api.create_response(request, error_body(status, code, message, detail), status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.body(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    if errors and all(error["type"] == InvalidCharacters.code for error in errors):
        # Only NUL characters are wrong: the same answer as for a NUL anywhere else.
        return error_response(
            request,
            400,
            code=InvalidCharacters.code,
            message=InvalidCharacters.message,
            detail={"errors": errors},
        )
    return error_response(
        request,
        422,
        code="validation_error",
        message=_("提交的数据有误，请检查标出的字段。"),
        detail={"errors": errors},
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApplicationError):
        # ninja wraps whatever its parser raises in "Cannot parse request body" (core.parser).
        return on_application_error(request, exc.__cause__)
    if exc.status_code == 400 and "parse request body" in str(exc):
        return error_response(
            request, 400, code="malformed_body", message=_("请求内容不是有效的 JSON。")
        )
    if exc.status_code == 403 and "CSRF" in str(exc):
        # A page's form or script sent a cookie-authenticated write without a valid token.
        return error_response(
            request, 403, code="csrf_failed", message=_("页面已过期，请刷新后再试。")
        )
    return error_response(request, exc.status_code)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401)


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return error_response(request, 429, detail={"retry_after": exc.wait})


@api.exception_handler(Http404)
def on_http404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404)


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404)


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 403)


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    from django.conf import settings

    return error_response(request, 413, detail={"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})


@api.exception_handler(MultiPartParserError)
def on_malformed_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    return on_application_error(request, MalformedMultipart(detail={"reason": str(exc)}))


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def on_data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value the database refused (out of range, unstorable) is the caller's input, not our
    failure: 400, and logged so that the schema or service that let it through gets a bound."""
    log.warning(
        "Refused input on %s %s: %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        exc,
        exc_info=exc,
    )
    return on_application_error(request, InvalidInput())


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(request, 500)


api.add_router("", accounts_router)
api.add_router("", workshops_router)
api.add_router("", orders_router)
api.add_router("", quality_router)
api.add_router("", payouts_router)
api.add_router("", "payouts.payment_api.router")
api.add_router("", trainees_router)
api.add_router("", jobs_router)
api.add_router("", integrations_router)
api.add_router("", "allocation.api.router")
api.add_router("", "stories.api.router")
api.add_router("", "payouts.currency_api.router")
api.add_router("", "sms.api.router")
