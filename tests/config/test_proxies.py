"""The client's address and the request's scheme come from forwarded headers only when the
TCP peer is one of TRUSTED_PROXIES (core.proxies)."""

import pytest
from django.test import Client, RequestFactory

from core.proxies import client_ip

PROXY = "10.0.0.2"


def _request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        # Trust nobody (the default): the peer, whatever the header says.
        ([], PROXY, "198.51.100.7", PROXY),
        ([], "203.0.113.9", "198.51.100.7", "203.0.113.9"),
        # A stranger's X-Forwarded-For is not believed.
        ([PROXY], "203.0.113.9", "198.51.100.7", "203.0.113.9"),
        # Our proxy: the address it appended.
        ([PROXY], PROXY, "198.51.100.7", "198.51.100.7"),
        ([PROXY], PROXY, " 198.51.100.7 ", "198.51.100.7"),
        # What the client wrote to the left of it is ignored.
        ([PROXY], PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        ([PROXY], PROXY, "garbage, 198.51.100.7", "198.51.100.7"),
        # Two of our proxies in a row: skip both, the right-most untrusted one is the client.
        (["10.0.0.0/8"], PROXY, "1.2.3.4, 198.51.100.7, 10.9.9.9", "198.51.100.7"),
        # Every hop is ours (a health check from inside): the left-most.
        (["10.0.0.0/8"], PROXY, "10.1.1.1, 10.9.9.9", "10.1.1.1"),
        # Our proxy sent no header, or nonsense where its own entry belongs: the proxy itself.
        ([PROXY], PROXY, None, PROXY),
        ([PROXY], PROXY, "", PROXY),
        ([PROXY], PROXY, "1.2.3.4, nonsense", PROXY),
        # IPv6, and IPv4 written as IPv6 by a dual-stack socket.
        (["fd00::/8"], "fd00::2", "2001:db8::7", "2001:db8::7"),
        ([PROXY], "::ffff:10.0.0.2", "198.51.100.7", "198.51.100.7"),
    ],
)
def test_client_ip(settings, trusted, peer, forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(_request(peer, forwarded)) == client


@pytest.fixture
def production_tls(settings):
    """What DJANGO_DEBUG=0 sets: the proxy's X-Forwarded-Proto says whether it was HTTPS."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = [PROXY]


def test_x_forwarded_proto_from_a_stranger_does_not_make_a_request_secure(db, production_tls):
    response = Client(REMOTE_ADDR="203.0.113.9").get(
        "/login/", headers={"X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_x_forwarded_proto_from_our_proxy_is_believed(db, production_tls):
    proxy = Client(REMOTE_ADDR=PROXY)
    assert proxy.get("/login/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
    assert proxy.get("/login/").status_code == 301


def test_forwarded_headers_from_a_stranger_never_reach_the_view(rf, settings):
    from core.proxies import ForwardedHeadersMiddleware

    settings.TRUSTED_PROXIES = [PROXY]
    seen = {}

    def view(request):
        seen.update(request.META)
        return None

    headers = {
        "HTTP_X_FORWARDED_FOR": "1.2.3.4",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "evil.example",
        "HTTP_FORWARDED": "for=1.2.3.4;proto=https",
        "HTTP_X_REAL_IP": "1.2.3.4",
    }
    ForwardedHeadersMiddleware(view)(rf.get("/", REMOTE_ADDR="203.0.113.9", **headers))
    assert not set(headers) & set(seen)
    ForwardedHeadersMiddleware(view)(rf.get("/", REMOTE_ADDR=PROXY, **headers))
    assert set(headers) <= set(seen)


@pytest.mark.parametrize("value", ["proxy.example", "10.0.0.1/24"])
def test_a_bad_trusted_proxies_value_stops_the_start(value):
    """As gunicorn's --forwarded-allow-ips does, which reads the same variable in compose."""
    from tests.config.test_deploy_settings import run_manage

    result = run_manage("check", env_extra={"TRUSTED_PROXIES": value})
    assert result.returncode != 0
    assert f"TRUSTED_PROXIES: {value!r} is not an address or network" in result.stderr
