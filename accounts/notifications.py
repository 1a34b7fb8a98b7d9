"""Telling people things: a small notifier interface with pluggable backends.

Services never talk to an SMS provider directly: they call ``notify_user`` (usually from a
``transaction.on_commit`` callback or a task), and the backend named by
``settings.NOTIFIER_BACKEND`` delivers it:

- ``accounts.notifications.LogBackend`` (default): writes the notice to the log (console).
- ``accounts.notifications.SmsGatewayBackend``: POSTs JSON to an HTTP SMS gateway configured by
  ``SMS_GATEWAY_URL``, ``SMS_GATEWAY_TOKEN``, ``SMS_GATEWAY_SIGN`` and ``SMS_GATEWAY_TIMEOUT``.
- ``accounts.notifications.MemoryBackend``: keeps notices in ``outbox`` (tests, like Django's
  locmem mail backend).

A backend's ``send`` may return the gateway's id for the message (``SmsGatewayBackend`` reads
``id`` or ``message_id`` from the gateway's JSON answer): the ``sms`` app keeps it on its log
row, and the gateway's delivery reports name the message by it. ``deliver`` hands that id back
to the caller; ``notify`` only says whether the notice went.

A text is rendered in the person's language (``User.language``, which for a lead follows their
workshop's), else in the site's default language: a phone browser's settings say nothing here.
Every notice is also kept in the person's inbox (``accounts.inbox``), text message or not.
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from core.locales import zone
from core.privacy import mask_phone

from .models import InboxItem, User

log = logging.getLogger("shouchuang.notifications")


@dataclass(frozen=True)
class Notice:
    """One message to one person: ``kind`` is machine-readable (e.g. ``batch_claim_expired``)."""

    phone: str
    text: str
    kind: str
    user_id: int | None = None
    data: dict[str, Any] | None = None
    # Our own reference for the message (the sms app's log row), sent to the gateway as
    # ``msg_ref`` so that its delivery reports can name the message by it too.
    ref: str = ""


class NotificationFailed(Exception):
    """The backend could not hand the notice over (gateway down, refused, timed out)."""


class NotifierBackend(Protocol):
    def send(self, notice: Notice) -> str | None:
        """Hand the notice over; return the gateway's id for it when there is one."""


class LogBackend:
    """The default: the notice goes to the log, which the console shows (phone masked: logs
    travel further than the database)."""

    def send(self, notice: Notice) -> None:
        log.info(
            "notice %s to %s (user %s): %s",
            notice.kind,
            mask_phone(notice.phone) if notice.phone else "-",
            notice.user_id,
            notice.text,
        )


# Notices sent through MemoryBackend, in order; tests clear it.
outbox: list[Notice] = []


class MemoryBackend:
    def send(self, notice: Notice) -> str:
        outbox.append(notice)
        return f"mem-{len(outbox)}"


class SmsGatewayBackend:
    """An HTTP SMS gateway: ``POST SMS_GATEWAY_URL`` with a JSON body and a bearer token.

    Body: ``{"to": "+86…", "sign": "手创", "text": "…", "kind": "…", "ref": user id}``, and
    ``"msg_ref"`` when the notice has our own reference (an SMS reply's log row).
    Any 2xx answer is success; anything else, a network error or a timeout raises
    ``NotificationFailed`` so the caller (a task) can log or retry it. The gateway's id for the
    message, ``id`` or ``message_id`` in a JSON answer, is returned (``None`` without one).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        sign: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = url or getattr(settings, "SMS_GATEWAY_URL", "")
        self.token = token if token is not None else getattr(settings, "SMS_GATEWAY_TOKEN", "")
        self.sign = sign if sign is not None else getattr(settings, "SMS_GATEWAY_SIGN", "手创")
        self.timeout = timeout or float(getattr(settings, "SMS_GATEWAY_TIMEOUT", 5))
        if not self.url.startswith(("http://", "https://")):
            raise NotificationFailed("SMS_GATEWAY_URL must be an http(s) URL")

    def send(self, notice: Notice) -> str | None:
        if not notice.phone:
            raise NotificationFailed(f"no phone number for user {notice.user_id}")
        message: dict[str, Any] = {
            "to": notice.phone,
            "sign": self.sign,
            "text": notice.text,
            "kind": notice.kind,
            "ref": notice.user_id,
        }
        if notice.ref:
            message["msg_ref"] = notice.ref
        body = json.dumps(message, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
                answer = response.read(4096)
        except urllib.error.HTTPError as exc:
            raise NotificationFailed(f"SMS gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise NotificationFailed(f"SMS gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise NotificationFailed(f"SMS gateway answered {status}")
        return _gateway_message_id(answer)


def _gateway_message_id(answer: bytes) -> str | None:
    """The gateway's id for the message in its JSON answer (``id`` or ``message_id``)."""
    try:
        parsed = json.loads(answer.decode() or "null")
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(parsed, dict):
        return None
    value = parsed.get("id", parsed.get("message_id"))
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)[:64] or None


def get_backend() -> NotifierBackend:
    path = getattr(settings, "NOTIFIER_BACKEND", "accounts.notifications.LogBackend")
    return import_string(path)()


# Told of every notice handed to a backend, sent or not: the sms app keeps its log of texts
# out this way (accounts sits below sms and cannot import it). Registered at start-up.
NoticeRecorder = Callable[[Notice, bool, str], None]
_recorders: list[NoticeRecorder] = []


def notice_recorder_register(recorder: NoticeRecorder) -> None:
    if recorder not in _recorders:
        _recorders.append(recorder)


def deliver(notice: Notice, *, backend: NotifierBackend | None = None) -> tuple[bool, str]:
    """Send one notice: whether the backend accepted it, and the gateway's id for it ("" when
    the backend gives none). A failure is logged, not raised (a notice never undoes the work)."""
    try:
        sent, gateway_id = True, (backend or get_backend()).send(notice) or ""
    except NotificationFailed:
        log.warning("notice %s to user %s failed", notice.kind, notice.user_id, exc_info=True)
        sent, gateway_id = False, ""
    for recorder in _recorders:
        recorder(notice, sent, gateway_id)
    return sent, gateway_id


def notify(notice: Notice, *, backend: NotifierBackend | None = None) -> bool:
    """Send one notice; a failure is logged, not raised. Returns whether it went."""
    return deliver(notice, backend=backend)[0]


def notify_user(
    *,
    user: User,
    kind: str,
    text: Any,
    data: dict[str, Any] | None = None,
    link: str = "",
    backend: NotifierBackend | None = None,
) -> bool:
    """Tell ``user`` something; ``text`` may be a lazy translation, rendered in the person's
    language (``User.language``; blank, or one the site no longer offers: the default).

    The notice is kept in the person's inbox (``InboxItem``) first, so it can be read on the
    /inbox/ page whatever becomes of the text message; ``link`` is the page it leads to.
    """
    with translation.override(user_language(user)), timezone.override(zone(user.time_zone)):
        rendered = str(text)
    InboxItem.objects.create(user=user, kind=kind, text=rendered, link=link[:300], data=data or {})
    return notify(
        Notice(phone=user.phone, text=rendered, kind=kind, user_id=user.pk, data=data),
        backend=backend,
    )


def user_language(user: User) -> str:
    """The language to write to ``user`` in: theirs if the site offers it, else the default."""
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else settings.LANGUAGE_CODE


def notice_as_dict(notice: Notice) -> dict[str, Any]:
    return asdict(notice)
