"""Checker: type a lot's code, see the sampling plan in words, record defects; the verdict."""

from playwright.sync_api import expect

from accounts.models import User
from quality.models import Inspection, Lot
from tests.factories import make_household, make_skill, make_user, make_workshop

from .factories import hand_out_and_back, make_batch_in_production, make_finished_lot


def test_checker_enters_a_code_sees_the_plan_and_records_a_rejection(page, site, sign_in, shot):
    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    zhuoma, lamu = make_household(workshop, name="卓玛家"), make_household(workshop, name="拉姆家")
    batch = make_batch_in_production(workshop, quantity=1000)
    hand_out_and_back(batch, {zhuoma: 600, lamu: 400})
    lot = make_finished_lot(batch, {zhuoma: 600, lamu: 400})

    sign_in(page, checker)
    expect(page.locator("h1")).to_have_text("扫码")
    page.fill("#code", lot.code.lower())
    shot(page, "checker", "scan")
    page.click("[data-open-lot]")

    # 1,000 pieces, AQL 2.5, level II: code letter J, n = 80, Ac = 5.
    expect(page.locator("#plan")).to_have_text("抽检 80 件，不合格 ≤ 5 件接收")
    expect(page.locator("#verdict")).to_have_text("待检验")
    defect = page.locator("fieldset.defect").first
    defect.locator("select[name$=kind]").select_option(label="线头")
    defect.locator("input[name$=count]").fill("4")
    defect.locator("select[name$=household]").select_option(label="卓玛家")
    second = page.locator("fieldset.defect").nth(1)
    second.locator("select[name$=kind]").select_option(label="结松")
    second.locator("input[name$=count]").fill("2")
    page.set_input_files(
        "input[name=photo]",
        files=[{"name": "defect.png", "mimeType": "image/png", "buffer": _png()}],
    )
    shot(page, "checker", "lot-form")
    page.click("button:text-is('提交检验结果')")

    expect(page.locator("#last-inspection")).to_contain_text("不合格，拒收")
    expect(page.locator("#last-inspection")).to_contain_text("抽检 80 件，不合格 6 件")
    expect(page.locator("#verdict")).to_have_text("不合格")
    shot(page, "checker", "verdict")
    inspection = Inspection.objects.get(lot=lot)
    assert (inspection.verdict, inspection.nonconforming, inspection.sample_size) == (
        Inspection.Verdict.REJECTED,
        6,
        80,
    )
    assert inspection.photos.count() == 1
    assert Lot.objects.get(pk=lot.pk).verdict == Lot.Verdict.REJECTED


def test_a_wrong_code_is_answered_on_the_scan_page(page, site, sign_in):
    workshop = make_workshop()
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    sign_in(page, checker)
    page.fill("#code", "NOTACODE1")
    page.click("[data-open-lot]")
    expect(page.locator(".msg-error")).to_be_visible()
    expect(page.locator("h1")).to_have_text("扫码")


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_rejected_lot_goes_back_for_rework_from_its_page(db):
    from django.test import Client

    from quality.services import DefectIn, lot_inspect

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    zhuoma = make_household(workshop, name="卓玛家")
    batch = make_batch_in_production(workshop, quantity=500)
    hand_out_and_back(batch, {zhuoma: 500})
    lot = make_finished_lot(batch, {zhuoma: 500})
    inspection = lot_inspect(
        actor=checker,
        code=lot.code,
        defects=[DefectIn(kind="stain", defect_class="major", count=9)],
    )
    client = Client()
    client.force_login(checker)
    assert "怎么处置这一包" in client.get(f"/lots/{lot.code}/").content.decode()
    response = client.post(
        f"/lots/{lot.code}/inspections/{inspection.pk}/dispose/", {"disposition": "rework"}
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.verdict, lot.round) == (Lot.Verdict.REWORK, 2)
    # A second disposition of the same inspection is refused and changes nothing.
    client.post(f"/lots/{lot.code}/inspections/{inspection.pk}/dispose/", {"disposition": "scrap"})
    lot.refresh_from_db()
    assert lot.verdict == Lot.Verdict.REWORK


def test_the_label_qr_link_opens_the_lot_page(db):
    from django.test import Client

    from quality.schemas import lot_url

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    zhuoma = make_household(workshop)
    batch = make_batch_in_production(workshop, quantity=100)
    hand_out_and_back(batch, {zhuoma: 100})
    lot = make_finished_lot(batch, {zhuoma: 100})
    path = "/" + lot_url(lot.code).split("/", 3)[3]
    client = Client()
    assert client.get(path)["Location"].startswith("/login/")
    client.force_login(checker)
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"/lots/{lot.code}/")
