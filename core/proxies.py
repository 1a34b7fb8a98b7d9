"""Who is the client? Forwarded headers are believed only from the proxies we run.

Behind a TLS proxy every request comes from the proxy's address, and the client's own address
is only in ``X-Forwarded-For``, a header anyone can send. So:

- ``TRUSTED_PROXIES`` (settings, from the environment) lists the addresses or networks of our
  own proxies; empty, the default, trusts nobody and the TCP peer is the client.
- ``client_ip`` is the peer, unless the peer is a trusted proxy: then ``X-Forwarded-For`` is
  read from the right (each proxy appends the address it saw), skipping our own proxies, and
  the first address that is not one of them is the client. What a client wrote to the left of
  that is never believed. django-axes locks sign-ins per username and this address.
- ``ForwardedHeadersMiddleware`` removes ``X-Forwarded-*`` and ``Forwarded`` from any request
  whose peer is not a trusted proxy, so ``SECURE_PROXY_SSL_HEADER`` (``X-Forwarded-Proto``) and
  anything else reading them is only ever told by our proxy.
"""

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_FORWARDED_PROTOCOL",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``("10.0.0.2", "172.18.0.0/16")`` as networks (settings refuses a bad entry at start)."""
    return tuple(ipaddress.ip_network(entry.strip()) for entry in entries)


def _address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def _networks() -> tuple[Network, ...]:
    return _trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    return _is_trusted(_address(request.META.get("REMOTE_ADDR", "")), _networks())


def client_ip(request: HttpRequest) -> str:
    """The client's address (django-axes' AXES_CLIENT_IP_CALLABLE)."""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _networks()
    peer_address = _address(peer)
    if not _is_trusted(peer_address, networks):
        return peer
    client: Address = peer_address
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Not an address: our proxies write addresses, so this part came from elsewhere;
            # the last hop a trusted proxy vouched for is all we know.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


class ForwardedHeadersMiddleware:
    """First in MIDDLEWARE: forwarded headers from anyone but our proxies are dropped."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not peer_is_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
