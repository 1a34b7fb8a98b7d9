"""The checker's whole job for a lot, through the pages only (issue 12): open a lot by its code,
submit a form with a half-filled defect row and see the error on that row (nothing recorded),
fix it, reject the lot, read the verdict first and the next lot's plan, send the lot back for
rework; the workshop's lead is told. Then the same pages in English fit the phone."""

import pytest
from playwright.sync_api import expect

from accounts import notifications
from accounts.models import User
from quality.models import Inspection, Lot
from tests.factories import make_household, make_skill, make_user, make_workshop

from .factories import hand_out_and_back, make_batch_in_production, make_finished_lot
from .test_layout import _problems


@pytest.fixture
def outbox(settings):
    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    yield notifications.outbox
    notifications.outbox.clear()


@pytest.fixture
def lot_at_the_centre(db):
    """A finished lot of 1,000 pieces from two households (AQL 2.5, level II: J, 80, Ac 5)."""
    make_skill("raoxian", "绕线")
    workshop = make_workshop(name="丹巴县聂呷乡绳编共富工坊")
    checker = make_user(
        User.Role.CHECKER,
        organisation=workshop.organisation.service_center,
        display_name="质检小杨",
    )
    zhuoma, lamu = make_household(workshop, name="卓玛家"), make_household(workshop, name="拉姆家")
    batch = make_batch_in_production(workshop, quantity=1000)
    hand_out_and_back(batch, {zhuoma: 600, lamu: 400})
    return checker, make_finished_lot(batch, {zhuoma: 600, lamu: 400})


def test_checker_fixes_a_bad_row_rejects_the_lot_reads_the_verdict_and_sends_it_to_rework(
    page, site, sign_in, shot, outbox, lot_at_the_centre
):
    checker, lot = lot_at_the_centre
    sign_in(page, checker)
    page.fill("#code", lot.code)
    page.click("[data-open-lot]")
    expect(page.locator("#plan")).to_have_text("抽检 80 件，不合格 ≤ 5 件接收")

    # A count with no kind: today's bug dropped the row and accepted the lot.
    first = page.locator("fieldset.defect").first
    first.locator("input[name$=count]").fill("9")
    page.click("button:text-is('提交检验结果')")
    expect(page.locator("#form-errors")).to_contain_text("未记录任何内容")
    first = page.locator("fieldset.defect").first
    expect(first).to_have_class("card defect has-error")
    expect(first.locator(".error")).to_have_text("请选择缺陷类型（或清空这一行）。")
    expect(first.locator("input[name$=count]")).to_have_value("9")  # what was typed stays
    expect(page.locator("#verdict")).to_have_text("待检验")
    shot(page, "checker", "row-error")
    assert not Inspection.objects.exists()

    first.locator("select[name$=kind]").select_option(label="污渍")
    first.locator("select[name$=household]").select_option(label="卓玛家")
    page.click("button:text-is('提交检验结果')")

    verdict = page.locator("#last-inspection")
    expect(verdict).to_contain_text("不合格，拒收")
    expect(verdict).to_contain_text("整包 1000 件拒收，等待处置")
    expect(verdict).to_contain_text("抽检 80 件，不合格 9 件")
    # The verdict is the first thing under the lot's code, then what the next lot gets.
    assert verdict.bounding_box()["y"] < page.locator("#next-plan").bounding_box()["y"]
    assert (
        page.locator("#next-plan").bounding_box()["y"] < page.locator(".facts").bounding_box()["y"]
    )
    assert verdict.bounding_box()["y"] < 740 / 2
    expect(page.locator("#next-plan")).to_contain_text("正常检验：抽检 80 件，不合格 ≤ 5 件接收")
    expect(page.locator("#next-plan")).to_contain_text("1000 件的一包：样本 80 件，Ac 5 / Re 6")
    shot(page, "checker", "verdict-first")
    inspection = Inspection.objects.get(lot=lot)
    assert (inspection.verdict, inspection.nonconforming) == (Inspection.Verdict.REJECTED, 9)
    assert list(inspection.defects.values_list("kind", "count", "household__name")) == [
        ("stain", 9, "卓玛家")
    ]

    page.check("input[name=disposition][value=rework]")
    page.click("button:text-is('确认处置')")
    expect(page.locator(".msg-success")).to_have_text("已处置。")
    expect(page.locator("#verdict")).to_have_text("返工中")
    lot.refresh_from_db()
    assert (lot.verdict, lot.round) == (Lot.Verdict.REWORK, 2)
    assert Inspection.objects.get(pk=inspection.pk).disposition == "rework"
    # The lead of the workshop is told, once (the set-up's publishing told it of the order).
    rejected = [n for n in outbox if n.kind == "lot_rejected"]
    assert [n.user_id for n in rejected] == [lot.workshop.lead_id]
    assert lot.code in rejected[0].text and "返工" in rejected[0].text


def test_the_checkers_pages_fit_the_phone_in_english(page, site, sign_in, lot_at_the_centre):
    checker, lot = lot_at_the_centre
    sign_in(page, checker)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    page.goto(f"{site}/lots/{lot.code}/")
    page.locator("fieldset.defect").first.locator("input[name$=count]").fill("9")
    page.click("button.primary.big")
    expect(page.locator("#form-errors")).to_contain_text("Nothing was recorded")
    assert not {k: v for k, v in _problems(page).items() if v}
    page.locator("fieldset.defect").first.locator("select[name$=kind]").select_option("stain")
    page.click("button.primary.big")
    expect(page.locator("#last-inspection")).to_be_visible()
    expect(page.locator("#next-plan")).to_contain_text("A lot of 1000: sample 80, Ac 5 / Re 6")
    assert not {k: v for k, v in _problems(page).items() if v}
