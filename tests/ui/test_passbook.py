"""The household's passbook on a 360×740 phone: a wrong factor, then the right one opens it,
the household taps 收到了 and sees it confirmed; five wrong factors on another card lock it
(the right factor refused too, the time to try again shown). The lead's 收款 page records a
household's 收到了 with no signal and uploads it when the signal comes back."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from payouts.models import HouseholdPayment
from tests.factories import make_household, make_user, make_workshop
from tests.payouts.payment_factories import make_paid_period, payment_of

from .test_layout import _problems


@pytest.fixture
def paid_world(db):
    workshop = make_workshop(name="丹巴县聂呷乡绳编共富工坊")
    zhuoma = make_household(workshop, name="卓玛家", phone="13812345678", birth_year=1968)
    lamu = make_household(workshop, name="拉姆家", phone="13900001111", birth_year=1975)
    operator = make_user(User.Role.OPERATOR)
    make_paid_period(operator, workshop, households=[zhuoma, lamu], pieces=(120, 30))
    return workshop, zhuoma, lamu


def test_household_opens_its_passbook_and_confirms_five_wrong_lock(site, page, paid_world, shot):
    _workshop, zhuoma, lamu = paid_world
    page.goto(f"{site}/p/{zhuoma.card_code}/")
    page.fill("#id_factor", "1234")
    page.click("#passbook-open")
    expect(page.locator("#passbook-factor-error")).to_contain_text("还可以试 4 次")
    page.fill("#id_factor", "5678")
    page.click("#passbook-open")
    expect(page.locator(".passbook-open-payment")).to_contain_text("¥60.00")
    assert not any(_problems(page).values()), _problems(page)
    shot(page, "household", "passbook")
    page.click(".passbook-received")
    expect(page.locator(".passbook-payment-status").first).to_contain_text("已确认收到")
    assert payment_of(zhuoma).status == HouseholdPayment.Status.CONFIRMED
    expect(page.locator(".passbook-open-payment")).to_have_count(0)

    page.goto(f"{site}/p/{lamu.card_code}/")
    for _ in range(5):
        page.fill("#id_factor", "0000")
        page.click("#passbook-open")
    expect(page.locator("#passbook-locked")).to_be_visible()
    expect(page.locator("#passbook-retry-at")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    page.goto(f"{site}/p/{lamu.card_code}/")
    expect(page.locator("#passbook-factor-form")).to_have_count(0)
    expect(page.locator("#passbook-locked")).to_be_visible()
    shot(page, "household", "passbook-locked")
    assert payment_of(lamu).status == HouseholdPayment.Status.UNCONFIRMED


def test_lead_records_a_households_answer_offline_then_syncs(
    site, page, context, paid_world, sign_in
):
    workshop, zhuoma, _lamu = paid_world
    sign_in(page, workshop.lead)
    page.goto(f"{site}/work/payments/")
    context.set_offline(True)
    page.fill("#answer-card", zhuoma.card_code)
    page.check("#answer-received")
    page.click("#answer-submit")
    expect(page.locator("[data-queue-count]")).to_have_text("1")
    assert payment_of(zhuoma).status == HouseholdPayment.Status.UNCONFIRMED
    context.set_offline(False)
    page.evaluate("window.ScanQueue.flush()")
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    expect(page.locator("[data-queue-results] li").first).to_contain_text("已记录")
    assert payment_of(zhuoma).status == HouseholdPayment.Status.CONFIRMED
    assert payment_of(zhuoma).answer.via == "lead_phone"
