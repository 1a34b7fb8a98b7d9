"""Operator: approve a computed payout period; the impact dashboard counts what was locked.
Household: open its statement behind the link, with big numbers and the total."""

from django.test import Client
from playwright.sync_api import expect

from accounts.models import User
from payouts.models import PayoutPeriod, Statement
from tests.factories import make_household, make_skill, make_user, make_workshop

from .factories import make_accepted_pieces, make_computed_period


def test_operator_approves_a_payout_period_and_sees_the_impact(
    page, site, sign_in, shot, monkeypatch
):
    # Approval runs in the background: here in-process even when REDIS_URL names a broker (no
    # worker in this test; the worker round trip is tests/jobs/test_worker_crash.py's).
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma, lamu = make_household(workshop, name="卓玛家"), make_household(workshop, name="拉姆家")
    make_accepted_pieces(workshop, {zhuoma: 300, lamu: 200}, fee="1.20")
    operator = make_user(User.Role.OPERATOR, display_name="运营小王")
    period = make_computed_period(operator)
    assert period.status == PayoutPeriod.Status.COMPUTED

    sign_in(page, operator)
    expect(page.locator("h1")).to_have_text("成效")
    page.click("nav.tabs >> text=结算")
    page.click(f"text={period.name}")
    expect(page.locator("#period-status")).to_have_text("已计算")
    expect(page.locator("#period-gross")).to_have_text("¥600.00")
    shot(page, "operator", "period")
    page.click("button:text-is('审核并锁定')")

    expect(page.locator(".msg-success")).to_have_text("已审核并锁定，农户结算单已生成。")
    expect(page.locator("#period-status")).to_have_text("已审核锁定")
    period.refresh_from_db()
    assert period.status == PayoutPeriod.Status.APPROVED
    assert Statement.objects.filter(period=period).count() == 2

    page.click("nav.tabs >> text=成效")
    expect(page.locator("#households-earning")).to_have_text("2")
    shot(page, "operator", "impact")


def test_household_opens_its_statement_behind_its_link(page, site, shot):
    from payouts.services import period_approve

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma = make_household(workshop, name="卓玛家")
    make_accepted_pieces(workshop, {zhuoma: 250}, fee="1.20")
    operator = make_user(User.Role.OPERATOR)
    period = make_computed_period(operator)
    period_approve(period_id=period.pk, actor=operator)
    statement = Statement.objects.get(household=zhuoma)

    page.goto(f"{site}/s/{statement.token}/")
    expect(page.locator("h1")).to_have_text("卓玛家")
    total = page.locator("#statement-total")
    expect(total).to_have_text(f"¥{statement.total_fen / 100:,.2f}")
    expect(page.locator(".statement-line")).to_contain_text("250 件 × ¥1.20")
    assert page.locator("nav.tabs").count() == 0
    shot(page, "household", "statement")


def test_household_switches_its_statement_to_english_and_back(page, site):
    """The switch posts to /i18n/setlang/: the page's referrer policy must still let the
    browser send a real Origin (``no-referrer`` made it ``Origin: null``, a CSRF 403)."""
    from payouts.services import period_approve

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma = make_household(workshop, name="卓玛家")
    make_accepted_pieces(workshop, {zhuoma: 250}, fee="1.20")
    operator = make_user(User.Role.OPERATOR)
    period_approve(period_id=make_computed_period(operator).pk, actor=operator)
    statement = Statement.objects.get(household=zhuoma)

    response = page.goto(f"{site}/s/{statement.token}/")
    # The token stays out of referrers to any other site; same-origin requests keep theirs.
    assert response.headers["referrer-policy"] == "same-origin"
    for language in ("en", "zh-Hans"):
        with page.expect_navigation() as switched:
            page.click("header .lang button")
        assert switched.value.status == 200, switched.value.status  # not the CSRF 403
        assert page.url == f"{site}/s/{statement.token}/"
        expect(page.locator("html")).to_have_attribute("lang", language)
        if language == "en":
            expect(page.locator(".statement-line")).to_contain_text("250 pcs")
    expect(page.locator(".statement-line")).to_contain_text("250 件")


def test_a_wrong_statement_link_is_not_found_and_not_yet_approved_ones_stay_hidden(db):
    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma = make_household(workshop, name="卓玛家")
    make_accepted_pieces(workshop, {zhuoma: 10})
    make_computed_period(make_user(User.Role.OPERATOR))
    assert Client().get("/s/not-a-real-token/").status_code == 404


def test_only_operators_reach_the_payout_pages(db):
    client = Client()
    client.force_login(make_user(User.Role.MERCHANT))
    assert client.get("/ops/payouts/").status_code == 403
    assert client.get("/ops/").status_code == 403


def test_operator_reviews_an_allocation_run_and_applies_it(page, site, sign_in, shot):
    from orders.models import Batch

    from .factories import make_published_order

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    make_household(workshop, name="卓玛家")
    order = make_published_order(make_user(User.Role.MERCHANT), quantity=200, batch_size=100)
    operator = make_user(User.Role.OPERATOR)

    sign_in(page, operator)
    page.click("nav.tabs >> text=分配")
    page.click("button:text-is('生成新方案')")
    expect(page.locator("#run-status")).to_have_text("已提出方案")
    expect(page.locator(".proposal")).to_have_count(2)
    expect(page.locator(".proposal").first).to_contain_text(workshop.name)
    expect(page.locator(".proposal").first).to_contain_text("距离")
    shot(page, "operator", "allocation-run")
    page.click("button:text-is('执行方案：把批次分给工坊')")

    expect(page.locator(".msg-success")).to_contain_text("已执行：2 个批次分给了工坊")
    assert set(order.batches.values_list("status", "workshop_id")) == {
        (Batch.Status.CLAIMED, workshop.pk)
    }


def test_slips_for_paper_carry_each_households_total_and_statement_qr(db):
    from payouts.services import period_approve

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma, lamu = make_household(workshop, name="卓玛家"), make_household(workshop, name="拉姆家")
    make_accepted_pieces(workshop, {zhuoma: 100, lamu: 50}, fee="1.00")
    operator = make_user(User.Role.OPERATOR)
    period = make_computed_period(operator)
    period_approve(period_id=period.pk, actor=operator)

    lead = Client()
    lead.force_login(workshop.lead)
    page = lead.get(f"/print/statements/{period.pk}/").content.decode()
    assert page.count('class="card slip"') == 2
    assert "卓玛家" in page and "拉姆家" in page and page.count("<svg") >= 2

    staff = Client()
    staff.force_login(operator)
    # A national period is printed one workshop at a time.
    assert staff.get(f"/print/statements/{period.pk}/").status_code == 302
    page = staff.get(f"/print/statements/{period.pk}/?workshop={workshop.pk}").content.decode()
    assert page.count('class="card slip"') == 2

    other = Client()
    other.force_login(make_workshop().lead)
    assert 'class="card slip"' not in other.get(f"/print/statements/{period.pk}/").content.decode()
