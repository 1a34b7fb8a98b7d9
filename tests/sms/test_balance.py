"""A household texts 余额 / YE from the phone on file: settled totals and the last payment."""

from datetime import date

import pytest
from django.utils import timezone

from payouts.services import period_approve, period_compute, period_create, period_mark_paid
from sms.models import SmsMessage
from tests.payouts.factories import at, make_order, make_outcome

from ..factories import make_household

pytestmark = pytest.mark.django_db


def _settle(operator, *, name: str, starts_on: date, ends_on: date, paid: str = ""):
    period = period_create(actor=operator, name=name, starts_on=starts_on, ends_on=ends_on)
    period_compute(period_id=period.pk, actor=operator)
    period_approve(period_id=period.pk, actor=operator)
    if paid:
        period_mark_paid(period_id=period.pk, actor=operator, payment_reference=paid)
    return period


@pytest.fixture
def paid_household(operator, workshop, django_capture_on_commit_callbacks):
    """Last December (paid) and this January (approved, not yet paid) for one household."""
    year = timezone.localdate().year
    household = make_household(workshop, phone="13812340001")
    order = make_order(fee="0.3500")
    make_outcome(household, order, accepted=100, decided_at=at(date(year - 1, 12, 10)))
    make_outcome(household, order, accepted=40, decided_at=at(date(year, 1, 10)))
    _settle(
        operator,
        name="上年十二月",
        starts_on=date(year - 1, 12, 1),
        ends_on=date(year - 1, 12, 31),
        paid="WX-12",
    )
    _settle(operator, name="一月", starts_on=date(year, 1, 1), ends_on=date(year, 1, 31))
    return household


def test_a_household_texting_balance_gets_its_period_year_and_last_payment(
    gateway, outbox, paid_household, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        answer = gateway.text("+86 138 1234 0001", "余额")
    assert answer.status == 200, answer.body
    tail = paid_household.card_code[-4:]
    paid_on = timezone.localdate().strftime("%m-%d")
    expected = (
        f"卡号尾号 {tail}：本期（一月）14.00 元；{year} 年合计 14.00 元；"
        f"上次付款 {paid_on} 35.00 元。"
    )
    assert answer.reply == expected
    # The reply went out through the notifier to the number that asked, and both are logged.
    assert [(n.phone, n.text, n.kind) for n in outbox] == [("13812340001", expected, "sms_reply")]
    inbound = SmsMessage.objects.get(direction="in")
    reply = SmsMessage.objects.get(direction="out")
    assert (inbound.command, inbound.status, inbound.household_id) == (
        "balance",
        "done",
        paid_household.pk,
    )
    assert inbound.number_masked == "138****0001"
    assert "13812340001" not in str(SmsMessage.objects.values_list())
    assert (reply.reply_to_id, reply.status, reply.gateway_id, reply.body) == (
        inbound.pk,
        "sent",
        "mem-1",
        expected,
    )


def test_ye_in_lower_case_is_the_same_command(gateway, paid_household):
    assert gateway.text("13812340001", " ye ").body["command"] == "balance"


def test_a_household_with_nothing_settled_is_told_so(gateway, workshop):
    household = make_household(workshop, phone="13812340002")
    answer = gateway.text("13812340002", "余额")
    year = timezone.localdate().year
    assert answer.reply == (
        f"卡号尾号 {household.card_code[-4:]}：还没有已审核的结算；{year} 年合计 0.00 元；"
        "还没有付款记录。"
    )


def test_an_unknown_number_gets_a_generic_answer_with_nothing_personal(gateway, paid_household):
    answer = gateway.text("13999990000", "余额")
    assert answer.body["status"] == "unknown_sender"
    assert answer.reply == "此号码未在手创登记，无法办理。如需帮助，请联系您的工坊带头人。"
    assert SmsMessage.objects.get(direction="in").household_id is None


def test_a_shared_number_lists_card_tails_and_then_answers_by_tail(gateway, workshop):
    first = make_household(workshop, phone="13812340003", name="张三")
    second = make_household(workshop, phone="138-1234-0003", name="李四")
    answer = gateway.text("13812340003", "余额")
    tails = f"{first.card_code[-4:]}、{second.card_code[-4:]}"
    assert answer.reply == (
        f"此号码登记了 2 户（卡号尾号 {tails}）。"
        f"请发“余额 卡号尾号”，例如“余额 {first.card_code[-4:]}”。"
    )
    assert "张三" not in answer.reply and "李四" not in answer.reply
    picked = gateway.text("13812340003", f"余额 {second.card_code[-4:].lower()}")
    assert picked.reply.startswith(f"卡号尾号 {second.card_code[-4:]}：")
    assert SmsMessage.objects.filter(direction="in").last().household_id is None
    assert SmsMessage.objects.filter(direction="in").first().household_id == second.pk


def test_a_retired_households_number_is_unknown(gateway, workshop):
    make_household(workshop, phone="13812340004", is_active=False)
    assert gateway.text("13812340004", "YE").body["status"] == "unknown_sender"


def test_anything_else_gets_the_help_text(gateway):
    answer = gateway.text("13812340005", "你好")
    assert (answer.body["command"], answer.body["status"]) == ("help", "done")
    assert "余额" in answer.reply and "接 批次码" in answer.reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("余额", ("balance", "")),
        ("余额7k2m", ("balance", "7K2M")),
        ("ye 7K2M", ("balance", "7K2M")),
        ("YES", ("help", "")),
        ("查", ("list", "")),
        ("接\u30001024", ("claim", "1024")),
        ("放 1024", ("release", "1024")),
        ("查查", ("help", "")),
    ],
)
def test_texts_are_read_without_regard_to_case_or_spaces(text, expected):
    from sms.commands import parse

    assert parse(text) == expected


def test_the_reply_is_in_the_households_language(
    gateway, outbox, paid_household, django_capture_on_commit_callbacks
):
    paid_household.language = "en"
    paid_household.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        answer = gateway.text("+86 138 1234 0001", "YE")
    assert answer.status == 200, answer.body
    # the words in English; the period's name is the operator's ("一月")
    assert answer.reply.startswith("Card ending "), answer.reply
    assert "this period (一月) 14.00 yuan" in answer.reply


def test_a_stranger_is_answered_in_the_sites_language(gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = gateway.text("+86 139 0000 0000", "YE")
    assert "未在手创登记" in answer.reply
