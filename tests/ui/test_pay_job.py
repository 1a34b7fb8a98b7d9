"""Pay, through the pages only (issue 12), on a 360×740 phone in Chinese: the operator opens a
period and computes it, finds a household's line, adds a bonus, sees the warning on an empty
period, approves, downloads the transfer file and marks the period paid (refused first without
a payment reference); a household opens its statement, whose figures add up on the page; the
merchant opens its statement. Then an English pass: nothing overflows the screen.

Set-up (accepted pieces, the workshop's shares) is done with fixtures; after it, only pages."""

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from payouts.models import PayoutAdjustment, PayoutPeriod, Statement
from tests.factories import make_household, make_skill, make_user, make_workshop

from .factories import make_accepted_pieces
from .test_layout import _problems

MONEY = re.compile(r"(-?)¥([\d,]+\.\d+)")


def money(text: str) -> list[Decimal]:
    return [
        Decimal(number.replace(",", "")) * (-1 if sign else 1)
        for sign, number in MONEY.findall(text)
    ]


@pytest.fixture
def pay_world(db, monkeypatch):
    """Two households of a workshop with pieces accepted today (fee 0.3125: rounding shows),
    the lead taking 10 % and the center 0.02 a piece."""
    from config.celery import app
    from payouts.services import share_config_set

    # Approval runs as a background task: in-process here (no worker in this test).
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    make_skill("raoxian", "绕线")
    workshop = make_workshop(name="丹巴县聂呷乡绳编共富工坊")
    zhuoma = make_household(workshop, name="卓玛家")
    lamu = make_household(workshop, name="拉姆家")
    accepted = make_accepted_pieces(workshop, {zhuoma: 45, lamu: 33}, fee="0.3125")
    operator = make_user(User.Role.OPERATOR, display_name="运营小王")
    share_config_set(
        actor=operator,
        workshop_id=workshop.pk,
        lead_kind="percent",
        lead_value=Decimal("10"),
        center_kind="per_piece",
        center_value=Decimal("0.0200"),
    )
    return {
        "operator": operator,
        "merchant": accepted.order.created_by,
        "workshop": workshop,
        "zhuoma": zhuoma,
    }


def _open_period(page, name: str, starts_on: str, ends_on: str) -> None:
    page.click("nav.tabs >> text=结算")
    page.fill("input[name=name]", name)
    page.fill("input[name=starts_on]", starts_on)
    page.fill("input[name=ends_on]", ends_on)
    page.click("button:text-is('新建')")
    expect(page.locator("h1")).to_have_text(name)
    page.click("button:text-is('计算')")
    expect(page.locator("#period-status")).to_have_text("已计算")


def test_operator_pays_a_period_and_household_and_merchant_read_their_statements(
    page, site, sign_in, shot, pay_world
):
    operator, zhuoma = pay_world["operator"], pay_world["zhuoma"]
    today = timezone.localdate()

    sign_in(page, operator)
    # An empty period first: the page warns before approving it.
    _open_period(page, "二〇二〇年一月", "2020-01-01", "2020-01-31")
    expect(page.locator("#empty-period-warning")).to_contain_text("没有要发给农户的钱")
    shot(page, "operator", "empty-period")

    _open_period(page, "本月加工费", f"{today:%Y-%m}-01", f"{today:%Y-%m-%d}")
    period = PayoutPeriod.objects.get(name="本月加工费")
    expect(page.locator("#period-pieces")).to_have_text("78")
    expect(page.locator("#empty-period-warning")).to_have_count(0)

    page.fill("#line-search input[name=q]", "卓玛")
    page.click("#line-search button")
    lines = page.locator(".card.line")
    expect(lines).to_have_count(1)
    expect(lines).to_contain_text("卓玛家")
    expect(lines).to_contain_text("45 件")
    lines.locator("a:text-is('奖惩调整')").click()
    adjust = page.locator("#adjust")
    expect(adjust).to_contain_text("卓玛家")
    adjust.locator("label:has-text('奖励') input").check()
    adjust.locator("input[name=amount]").fill("8.80")
    adjust.locator("input[name=reason]").fill("按时交货")
    shot(page, "operator", "adjustment")
    adjust.locator("button:text-is('登记调整')").click()
    expect(page.locator(".msg-success")).to_have_text("已登记调整。")
    expect(page.locator(".adjustment")).to_contain_text("+¥8.80")
    assert PayoutAdjustment.objects.get(period=period).amount_fen == 880

    page.click("button:text-is('审核并锁定')")
    expect(page.locator("#period-status")).to_have_text("已审核锁定")
    with page.expect_download() as download:
        page.click("#transfer-files >> text=下载 CSV")
    transfer = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "卓玛家" in transfer and "拉姆家" in transfer

    # Refused without a reference (spaces pass the browser's check, not the server's).
    page.fill("input[name=payment_reference]", "   ")
    page.click("button:text-is('记录已发放')")
    expect(page.locator(".msg-error")).to_have_text(
        "请填写付款凭证号（银行批次号、转账流水号等）。"
    )
    assert PayoutPeriod.objects.get(pk=period.pk).status == "approved"
    page.fill("input[name=payment_reference]", "ICBC-20261129-001")
    page.click("button:text-is('记录已发放')")
    expect(page.locator("#period-status")).to_have_text("已发放")
    expect(page.locator("#payment-reference")).to_have_text("ICBC-20261129-001")
    shot(page, "operator", "period-paid")
    period.refresh_from_db()
    assert (period.status, period.payment_reference) == ("paid", "ICBC-20261129-001")

    # The household, from the link on its paper slip.
    statement = Statement.objects.get(period=period, household=zhuoma)
    page.context.clear_cookies()
    page.goto(f"{site}/s/{statement.token}/")
    expect(page.locator("h1")).to_have_text("卓玛家")
    part = page.locator(".part").inner_text()
    assert part == "45 件 × ¥0.3125 = ¥14.0625"
    pieces, fee, exact = 45, *money(part)
    assert pieces * fee == exact
    gross = money(page.locator(".gross").inner_text())[0]
    assert exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == gross == Decimal("14.06")
    lead, center = (money(text)[0] for text in page.locator(".share").all_inner_texts())
    net = money(page.locator(".net").inner_text())[0]
    assert gross + lead + center == net and lead < 0 and center < 0
    expect(page.locator(".statement-line")).to_contain_text(
        f"带头人 {pay_world['workshop'].lead} 分成"
    )
    bonus = money(page.locator("#statement-sum .adjustment").inner_text())[0]
    total = money(page.locator(".sum-total").inner_text())[0]
    assert net + bonus == total == money(page.locator("#statement-total").inner_text())[0]
    assert total * 100 == statement.total_fen
    shot(page, "household", "statement-figures")

    # The merchant's statement.
    sign_in(page, pay_world["merchant"])
    page.click("nav.tabs >> text=对账单")
    page.click(f"text={period.name}")
    rows = page.locator(".merchant-order")
    expect(rows).to_have_count(1)
    expect(rows.locator(".accepted")).to_have_text("78")
    # per household line rounded once: 45 × 0.3125 → 14.06, 33 × 0.3125 → 10.31
    expect(rows.locator(".owed")).to_have_text("¥24.37")
    expect(page.locator("#merchant-owed")).to_have_text("¥24.37")
    shot(page, "merchant", "statement")


def test_the_pay_pages_fit_the_phone_in_english(page, site, sign_in, pay_world):
    from payouts.services import period_approve, period_compute, period_create

    operator = pay_world["operator"]
    today = timezone.localdate()
    period = period_create(
        actor=operator, name="本月加工费", starts_on=today.replace(day=1), ends_on=today
    )
    period_compute(period_id=period.pk, actor=operator)
    empty = period_create(
        actor=operator,
        name="Empty",
        starts_on=today.replace(year=2020, month=1, day=1),
        ends_on=today.replace(year=2020, month=1, day=31),
    )
    period_compute(period_id=empty.pk, actor=operator)
    statement_pages = []
    problems = {}
    for who, paths in (
        (
            operator,
            [
                f"/ops/payouts/{empty.pk}/",
                f"/ops/payouts/{period.pk}/?adjust={pay_world['zhuoma'].pk}",
                "approve",
                f"/ops/payouts/{period.pk}/",
            ],
        ),
        (pay_world["merchant"], ["/shop/payouts/", f"/shop/payouts/{period.pk}/"]),
        (None, statement_pages),
    ):
        page.context.clear_cookies()
        if who is not None:
            sign_in(page, who)
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
        for path in paths:
            if path == "approve":
                period_approve(period_id=period.pk, actor=operator)
                token = Statement.objects.get(period=period, household=pay_world["zhuoma"]).token
                statement_pages.append(f"/s/{token}/")
                continue
            response = page.goto(f"{site}{path}")
            assert response.status == 200, (path, response.status)
            expect(page.locator("html")).to_have_attribute("lang", "en")
            found = {kind: items for kind, items in _problems(page).items() if items}
            if found:
                problems[path] = found
    assert not problems, problems
