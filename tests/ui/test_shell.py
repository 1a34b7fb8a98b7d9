"""The shell: sign in, land on the role's home, switch language, be locked out clearly."""

import re

from django.test import Client
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import PASSWORD, make_user


def test_sign_in_lands_on_role_home_and_the_switch_translates_the_page(page, site, sign_in, shot):
    trainer = make_user(User.Role.TRAINER, display_name="王老师")
    page.goto(f"{site}/login/")
    expect(page.locator("h1")).to_have_text("登录")
    shot(page, "all", "login")

    sign_in(page, trainer)
    expect(page.locator(".who")).to_have_text("王老师")

    page.click("form.lang button[value=en]")
    expect(page.locator("form.lang button[value=zh-hans]")).to_have_text("中文")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".unreviewed")).to_have_count(0)
    page.goto(f"{site}/me/")
    expect(page.locator("dl.facts")).to_contain_text("Trainer")
    shot(page, "trainer", "account-en")

    # French is offered too; its machine-made catalogue is shown with the notice saying so.
    page.click("form.lang button[value=fr]")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("dl.facts")).to_contain_text("Formateur")
    expect(page.locator(".unreviewed")).to_contain_text("traduite automatiquement")
    shot(page, "trainer", "account-fr")


def test_wrong_password_says_so_and_keeps_the_person_out(page, site, shot):
    lead = make_user(User.Role.LEAD)
    page.goto(f"{site}/login/")
    page.fill("input[name=username]", lead.username)
    page.fill("input[name=password]", "not-the-password")
    page.click("button.primary")
    expect(page.locator(".error")).to_have_text("用户名或密码错误，请再试一次。")
    assert re.search(r"/login/", page.url)


def test_too_many_failures_show_the_locked_out_page(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    lead = make_user(User.Role.LEAD)
    client = Client()
    for _ in range(3):
        response = client.post("/login/", {"username": lead.username, "password": "nope"})
    assert response.status_code == 429
    assert "请 15 分钟后再试" in response.content.decode()
    # Even the right password is refused while locked out.
    response = client.post("/login/", {"username": lead.username, "password": PASSWORD})
    assert response.status_code == 429


def test_api_lockout_keeps_the_error_shape(db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    lead = make_user(User.Role.LEAD)
    client = Client()
    for _ in range(3):
        response = client.post(
            "/api/v1/auth/token",
            {"username": lead.username, "password": "nope"},
            content_type="application/json",
        )
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked_out"


def test_pages_are_chinese_even_when_the_browser_asks_for_english(db):
    response = Client().get("/login/", headers={"Accept-Language": "en"})
    assert "<h1>登录</h1>" in response.content.decode()


def test_pages_need_a_sign_in(db):
    response = Client().get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
