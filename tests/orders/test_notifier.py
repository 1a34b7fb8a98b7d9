"""The notifier's SMS gateway backend, against a fake gateway on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import User
from accounts.notifications import (
    LogBackend,
    Notice,
    NotificationFailed,
    SmsGatewayBackend,
    get_backend,
    notify,
    notify_user,
)
from tests.factories import make_user


class FakeGateway:
    """Records every request; answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length).decode()),
                    }
                )
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    with FakeGateway() as fake:
        yield fake


def test_the_sms_backend_posts_the_notice_with_its_token(gateway):
    backend = SmsGatewayBackend(url=gateway.url, token="t0ken", sign="手创")
    backend.send(
        Notice(phone="13900001111", text="新批次可认领", kind="batch_published", user_id=7)
    )
    assert gateway.requests == [
        {
            "path": "/sms/send",
            "authorization": "Bearer t0ken",
            "content_type": "application/json; charset=utf-8",
            "body": {
                "to": "13900001111",
                "sign": "手创",
                "text": "新批次可认领",
                "kind": "batch_published",
                "ref": 7,
            },
        }
    ]


@pytest.mark.parametrize("status", [400, 500, 503])
def test_a_gateway_error_is_a_failure(gateway, status):
    gateway.status = status
    backend = SmsGatewayBackend(url=gateway.url, token="t")
    with pytest.raises(NotificationFailed, match=str(status)):
        backend.send(Notice(phone="13900001111", text="x", kind="k"))


def test_an_unreachable_gateway_is_a_failure_that_notify_logs_not_raises(caplog):
    with FakeGateway() as closed:
        url = closed.url
    backend = SmsGatewayBackend(url=url, token="t", timeout=2)
    with pytest.raises(NotificationFailed, match="unreachable"):
        backend.send(Notice(phone="13900001111", text="x", kind="k"))
    assert notify(Notice(phone="13900001111", text="x", kind="k"), backend=backend) is False


def test_a_notice_without_a_phone_is_not_sent(gateway):
    backend = SmsGatewayBackend(url=gateway.url, token="t")
    with pytest.raises(NotificationFailed):
        backend.send(Notice(phone="", text="x", kind="k"))
    assert gateway.requests == []


def test_a_non_http_url_is_refused():
    with pytest.raises(NotificationFailed):
        SmsGatewayBackend(url="file:///etc/passwd")


@pytest.mark.django_db
def test_settings_choose_the_sms_backend_and_texts_go_out_in_chinese(gateway, settings):
    settings.NOTIFIER_BACKEND = "accounts.notifications.SmsGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = "from-settings"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    lead = make_user(User.Role.LEAD, phone="13711112222")
    from django.utils import translation
    from django.utils.translation import gettext_lazy as _

    with translation.override("en"):
        assert notify_user(user=lead, kind="test", text=_("批次不存在，或不属于您。")) is True
    request = gateway.requests[0]
    assert request["authorization"] == "Bearer from-settings"
    assert request["body"]["to"] == "13711112222"
    assert request["body"]["text"] == "批次不存在，或不属于您。"
    assert request["body"]["ref"] == lead.pk


def test_the_default_backend_is_the_log(settings, caplog):
    assert isinstance(get_backend(), LogBackend)
    with caplog.at_level("INFO", logger="shouchuang.notifications"):
        assert notify(Notice(phone="139", text="你好", kind="hello")) is True
    assert "你好" in caplog.text


def test_the_log_backend_masks_the_phone(caplog):
    from accounts.notifications import LogBackend

    with caplog.at_level("INFO", logger="shouchuang.notifications"):
        LogBackend().send(Notice(phone="13900001111", text="新批次可认领", kind="batch_published"))
    assert "139****1111" in caplog.text
    assert "13900001111" not in caplog.text
    assert "新批次可认领" in caplog.text
