"""Domain errors, and the one error body every API answer uses.

Services raise an ``ApplicationError`` subclass; ``config.api`` turns it into
``{"code": ..., "message": ..., "detail": {...}}`` with the message in the request's
language. Each subclass names its HTTP status and a default machine-readable code.
"""

from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

# The code and message of an error that nothing more specific describes, by HTTP status.
STATUS_CODES: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _("请求有误。")),
    401: ("not_authenticated", _("请先登录。")),
    403: ("forbidden", _("您的角色无权执行此操作。")),
    404: ("not_found", _("未找到，或不属于您。")),
    405: ("method_not_allowed", _("不支持此请求方法。")),
    409: ("conflict", _("当前状态不允许此操作。")),
    413: ("payload_too_large", _("提交的内容过大。")),
    415: ("unsupported_media_type", _("请以 JSON 格式提交（Content-Type: application/json）。")),
    422: ("validation_error", _("提交的数据有误，请检查标出的字段。")),
    429: ("too_many_requests", _("请求过于频繁，请稍后再试。")),
    500: ("server_error", _("服务器出错了，请稍后再试。")),
}


def error_body(status: int, code: str | None = None, message=None, detail=None) -> dict[str, Any]:
    default_code, default_message = STATUS_CODES.get(status, STATUS_CODES[400])
    return {
        "code": code or default_code,
        "message": str(message or default_message),
        "detail": detail or {},
    }


def error_json_response(
    status: int, code: str | None = None, message=None, detail=None
) -> JsonResponse:
    """The error body outside ninja (middleware, URL fallbacks), as ninja would render it."""
    return JsonResponse(
        error_body(status, code, message, detail),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class ApplicationError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: Any = _("请求有误。")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        detail: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.detail = detail or {}
        super().__init__(str(self.message))

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "detail": self.detail}


class BadRequest(ApplicationError):
    status = 400
    code = "bad_request"
    message = _("请求有误。")


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    message = _("请先登录。")


class Forbidden(ApplicationError):
    status = 403
    code = "forbidden"
    message = _("您的角色无权执行此操作。")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    message = _("未找到，或不属于您。")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    message = _("当前状态不允许此操作。")


class TooManyRequests(ApplicationError):
    status = 429
    code = "too_many_requests"
    message = _("请求过于频繁，请稍后再试。")


class InvalidCharacters(BadRequest):
    """Text with a NUL character (U+0000), which PostgreSQL cannot store; see core.text."""

    code = "invalid_characters"
    message = _("内容含有不允许的字符（空字符 NUL），请删除后再提交。")


class UnsupportedMediaType(ApplicationError):
    status = 415
    code = "unsupported_media_type"
    message = _("请以 JSON 格式提交（Content-Type: application/json）。")


class MalformedMultipart(BadRequest):
    code = "malformed_multipart"
    message = _("上传的表单格式有误，请重新选择文件后再提交。")


class InvalidInput(BadRequest):
    """A value the database refused (out of range, unstorable): the last line before a 500."""

    code = "invalid_input"
    message = _("提交的数值超出范围或无法保存，请检查后再提交。")
