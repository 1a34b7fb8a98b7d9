"""Every text in and out is logged; the gateway's delivery report settles what we sent; the
operators read the log on a page; ``sms_phone`` plays a phone for the demo."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.notifications import Notice, SmsGatewayBackend
from sms.gateway import DELIVERY_PATH, signed_headers
from sms.models import SmsMessage
from tests.orders.test_notifier import FakeGateway as FakeHttpGateway

from ..factories import make_household

pytestmark = pytest.mark.django_db


def _sent_reply(gateway, django_capture_on_commit_callbacks) -> SmsMessage:
    with django_capture_on_commit_callbacks(execute=True):
        gateway.text("13812345670", "帮助")
    return SmsMessage.objects.get(direction="out")


def test_a_delivery_report_marks_the_reply_delivered(gateway, django_capture_on_commit_callbacks):
    reply = _sent_reply(gateway, django_capture_on_commit_callbacks)
    answer = gateway.delivered(reply.gateway_id)
    assert (answer.status, answer.body) == (200, {"updated": 1})
    reply.refresh_from_db()
    assert reply.delivery_status == "delivered" and reply.delivery_at is not None


def test_a_late_failure_report_does_not_undo_delivered(gateway, django_capture_on_commit_callbacks):
    reply = _sent_reply(gateway, django_capture_on_commit_callbacks)
    gateway.delivered(reply.gateway_id)
    assert gateway.delivered(reply.gateway_id, "failed").body == {"updated": 0}
    reply.refresh_from_db()
    assert reply.delivery_status == "delivered"


def test_a_report_may_name_the_message_by_our_reference(
    gateway, django_capture_on_commit_callbacks
):
    reply = _sent_reply(gateway, django_capture_on_commit_callbacks)
    answer = gateway.post(DELIVERY_PATH, {"msg_ref": str(reply.pk), "status": "undelivered"})
    assert answer.body == {"updated": 1}
    reply.refresh_from_db()
    assert reply.delivery_status == "undelivered"


def test_a_report_for_an_unknown_message_is_404(gateway):
    answer = gateway.delivered("no-such-id")
    assert (answer.status, answer.body["code"]) == (404, "sms_message_not_found")


def test_an_unsigned_report_is_401_and_changes_nothing(gateway, django_capture_on_commit_callbacks):
    reply = _sent_reply(gateway, django_capture_on_commit_callbacks)
    answer = gateway.post(
        DELIVERY_PATH,
        {"id": reply.gateway_id, "status": "failed"},
        headers=lambda body: signed_headers(body, secret="guess"),
    )
    assert answer.status == 401
    reply.refresh_from_db()
    assert reply.delivery_status == ""


def test_a_reply_the_gateway_refuses_is_logged_as_failed(
    gateway, settings, django_capture_on_commit_callbacks
):
    with FakeHttpGateway() as http:
        http.status = 503
        settings.NOTIFIER_BACKEND = "accounts.notifications.SmsGatewayBackend"
        settings.SMS_GATEWAY_URL = http.url
        with django_capture_on_commit_callbacks(execute=True):
            gateway.text("13812345671", "帮助")
        assert http.requests[0]["body"]["to"] == "13812345671"
    reply = SmsMessage.objects.get(direction="out")
    assert (reply.status, reply.gateway_id) == ("failed", "")


def test_the_http_gateway_backend_returns_the_gateways_message_id():
    with FakeHttpGateway() as http:
        backend = SmsGatewayBackend(url=http.url, token="t")
        # The fake answers {"ok": true}: no id, so none is made up.
        assert backend.send(Notice(phone="13900001111", text="x", kind="k", ref="42")) is None
        assert http.requests[0]["body"]["msg_ref"] == "42"


def test_operators_read_the_log_with_numbers_masked(gateway, operator, workshop):
    make_household(workshop, phone="13812345672")
    gateway.text("13812345672", "余额")
    client = Client()
    client.force_login(operator)
    page = client.get("/ops/sms/", {"number": "+86 13812345672"})
    assert page.status_code == 200
    html = page.content.decode()
    log = html[html.index("data-sms=") :]  # the form and the language switch echo the query
    assert "138****5672" in log and "13812345672" not in log
    assert html.count("data-sms=") == 2  # the text and its reply
    assert Client().get("/ops/sms/").status_code == 302  # sign in first


def test_a_lead_may_not_read_the_log(lead):
    client = Client()
    client.force_login(lead)
    assert client.get("/ops/sms/").status_code == 403


def test_sms_phone_command_plays_the_phone_and_prints_the_reply(db, outbox, workshop):
    household = make_household(workshop, phone="13812345673")
    out = io.StringIO()
    call_command("sms_phone", "13812345673", "余额", stdout=out)
    assert out.getvalue().startswith(f"卡号尾号 {household.card_code[-4:]}：")
    assert SmsMessage.objects.filter(direction="in", household=household).exists()


def test_notices_other_apps_text_to_a_lead_are_logged_too(outbox, lead):
    from accounts.notifications import notify_user

    lead.phone = "13900000031"
    lead.save(update_fields=["phone"])
    assert notify_user(user=lead, kind="batch_published", text="新订单")
    logged = SmsMessage.objects.get()
    assert (logged.direction, logged.number_masked, logged.body, logged.status) == (
        "out",
        "139****0031",
        "新订单",
        "sent",
    )
    assert (logged.user_id, logged.gateway_id, logged.detail) == (
        lead.pk,
        "mem-1",
        {"kind": "batch_published"},
    )


def test_the_demo_says_how_to_play_a_leads_phone(lead):
    from sms.demo import logins_note

    lead.phone = "13900000041"
    lead.save(update_fields=["phone"])
    assert logins_note() == [
        f'短信 SMS (lead {lead.username}): python manage.py sms_phone 13900000041 "查"'
    ]
