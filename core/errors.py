"""Domain errors, and the one error body every API answer uses.

Services raise an ``ApplicationError`` subclass; ``config.api`` turns it into
``{"code": ..., "message": ..., "detail": {...}}`` with the message in the request's
language. Each subclass names its HTTP status and a default machine-readable code.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


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
