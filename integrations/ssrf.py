"""Calling a merchant's URL without being turned against our own network (SSRF).

The host is resolved once; every address it resolves to must be public (not private,
loopback, link-local, multicast, reserved, unspecified or shared); the connection goes to the
address that was checked (so a second, different DNS answer cannot slip in), with the URL's
host name in the Host header and, for HTTPS, in SNI and the certificate check. Redirects are
never followed: a 3xx is an answer like any other. ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (tests
only) lets loopback and private addresses through.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import BadRequest


class WebhookUrlInvalid(BadRequest):
    code = "webhook_url_invalid"
    message = _("推送地址必须是 http 或 https 开头的完整网址。")


class WebhookUrlUnresolvable(BadRequest):
    code = "webhook_url_unresolvable"
    message = _("推送地址的主机名无法解析。")


class WebhookUrlNotAllowed(BadRequest):
    code = "webhook_url_not_allowed"
    message = _("推送地址指向内网、本机或保留地址，不允许使用。")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address to connect to


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False))


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve_target(url: str) -> Target:
    """Check ``url`` and pick the address to call; 400 with a code when it may not be called."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlInvalid(detail={"url": url}) from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username:
        raise WebhookUrlInvalid(detail={"url": url})
    port = port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUrlUnresolvable(detail={"host": host}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise WebhookUrlUnresolvable(detail={"host": host})
    refused = [a for a in addresses if not address_is_public(a)]
    if refused and not _allow_private():
        raise WebhookUrlNotAllowed(detail={"host": host, "addresses": refused})
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to ``url`` (checked as above); the response's status code. Raises
    ``WebhookUrl…`` for a refused URL and ``OSError``/``http.client.HTTPException`` on failure."""
    target = resolve_target(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # a little of the answer, never all of a huge one
        return response.status
    finally:
        connection.close()
