"""The SMS webhooks' refusals: each a machine-readable code and a message for the gateway's
operator (the phone that sent the text is told nothing: a refused message changes nothing)."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, Conflict, NotFound, TooManyRequests


class SignatureInvalid(ApplicationError):
    status = 401
    code = "sms_signature_invalid"
    message = _("短信网关签名无效。")


class TimestampStale(ApplicationError):
    status = 401
    code = "sms_timestamp_stale"
    message = _("短信网关时间戳缺失或超出允许范围。")


class Replayed(Conflict):
    code = "sms_replayed"
    message = _("这条短信已经收到过。")


class RateLimited(TooManyRequests):
    code = "sms_rate_limited"
    message = _("该号码发送过于频繁，请稍后再试。")


class MessageNotFound(NotFound):
    code = "sms_message_not_found"
    message = _("没有这条发出的短信。")
