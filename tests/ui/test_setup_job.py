"""Operator: set up a region from the phone, pages only (issue 12). A service center, a
workshop, two households, a lead account whose owner sets a password through the one-time link
in a fresh browser and signs in, that lead assigned to the workshop, a skill added, a household
deactivated. Then the same pages in English: nothing wider than the phone."""

import json

from playwright.sync_api import expect

from accounts.models import Organisation, User
from tests.factories import make_skill, make_user
from workshops.models import Household, HouseholdEvent, Skill, Workshop, WorkshopEvent

from .conftest import PHONE
from .test_layout import _problems

NEW_PASSWORD = "Jiuzhaigou-2026-绳编"


def test_operator_sets_up_a_region_from_the_phone(page, browser, site, sign_in, shot):
    make_skill("raoxian", "绕线")
    operator = make_user(User.Role.OPERATOR, display_name="运营小王")
    sign_in(page, operator)

    # A service center.
    page.click("nav.tabs >> text=地区")
    expect(page.locator("h1")).to_have_text("地区")
    page.click("a.button:text-is('新建服务中心')")
    page.fill("input[name=name]", "甘孜州乡村服务中心")
    page.fill("input[name=province]", "四川")
    page.fill("input[name=county]", "康定市")
    page.click("button.primary")
    expect(page.locator(".msg-success")).to_contain_text("已登记服务中心")
    center = Organisation.objects.get(name="甘孜州乡村服务中心")
    assert center.kind == Organisation.Kind.SERVICE_CENTER

    # A workshop under it.
    page.click("a.button:text-is('新建工坊')")
    page.fill("input[name=name]", "丹巴县巴底镇绳编工坊")
    page.fill("input[name=county]", "丹巴县")
    page.fill("input[name=village]", "巴底村")
    page.fill("input[name=daily_capacity]", "400")
    page.click("button.primary")
    expect(page.locator("h1")).to_have_text("丹巴县巴底镇绳编工坊")
    workshop = Workshop.objects.get(organisation__name="丹巴县巴底镇绳编工坊")
    assert workshop.organisation.service_center == center and workshop.daily_capacity == 400

    # Two households.
    for name, phone in (("卓玛家", "13800001111"), ("拉姆家", "13800002222")):
        page.click("a.button:text-is('登记农户')")
        page.fill("input[name=name]", name)
        page.fill("input[name=phone]", phone)
        page.click("button.primary")
        expect(page.locator(".msg-success")).to_contain_text(f"已登记农户：{name}")
    assert sorted(workshop.households.values_list("name", flat=True)) == ["卓玛家", "拉姆家"]
    expect(page.locator(".household-row")).to_have_count(2)
    shot(page, "operator", "region-workshop")

    # A lead account, with its one-time link.
    page.click("a.button:text-is('新建带头人账号')")
    page.fill("input[name=username]", "lead_badi")
    page.fill("input[name=display_name]", "泽仁")
    page.click("button.primary")
    link = page.locator("#password-link .linkbox").inner_text().strip()
    assert "/set-password/" in link
    shot(page, "operator", "user-link")
    page.reload()
    expect(page.locator("#password-link")).to_have_count(0)  # shown once
    lead = User.objects.get(username="lead_badi")
    assert (lead.role, lead.organisation_id) == ("lead", workshop.organisation_id)
    assert not lead.has_usable_password()

    # The lead opens the link on their own phone, sets a password and signs in.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    phone = context.new_page()
    phone.goto(link)
    expect(phone.locator("h1")).to_have_text("设置密码")
    phone.fill("input[name=password1]", NEW_PASSWORD)
    phone.fill("input[name=password2]", NEW_PASSWORD)
    phone.click("button.primary")
    expect(phone.locator(".msg-success")).to_have_text("密码已设置，请用新密码登录。")
    phone.fill("input[name=username]", "lead_badi")
    phone.fill("input[name=password]", NEW_PASSWORD)
    phone.click("button.primary")
    phone.wait_for_load_state()
    assert phone.url.endswith("/work/")
    phone.goto(link)  # the link is dead now
    expect(phone.locator("h1")).to_have_text("链接无效")
    context.close()

    # The operator assigns that lead to the workshop, with a reason.
    page.goto(f"{site}/ops/region/")
    page.click(".center-row >> text=甘孜州乡村服务中心")
    page.click(".workshop-row >> text=丹巴县巴底镇绳编工坊")
    page.click("a.button:text-is('指定带头人')")
    page.check("label:has-text('lead_badi') input[type=radio]")
    page.fill("input[name=reason]", "新工坊开张")
    page.click("button.primary")
    expect(page.locator("#workshop-lead")).to_have_text("泽仁")
    workshop.refresh_from_db()
    assert workshop.lead == lead
    event = WorkshopEvent.objects.get(workshop=workshop, kind="lead_assigned")
    assert (event.actor, event.to_lead, event.reason) == (operator, lead, "新工坊开张")

    # A skill added to the catalogue.
    page.click("nav.tabs >> text=地区")
    page.click("a.button:text-is('技能目录')")
    page.fill("input[name=code]", "cixiu")
    page.fill("input[name=name]", "刺绣")
    page.fill("input[name=name_en]", "Embroidery")
    page.click("button.primary")
    expect(page.locator(".skill-row >> text=刺绣")).to_be_visible()
    assert Skill.objects.get(code="cixiu").name == "刺绣"

    # A household deactivated (never deleted).
    page.goto(f"{site}/ops/region/workshops/{workshop.pk}/")
    page.fill("input[name=q]", "2222")  # by the phone's tail
    page.click("button:text-is('搜索')")
    expect(page.locator(".household-row")).to_have_count(1)
    page.click(".household-row >> text=拉姆家")
    page.fill("form[action$='/active/'] input[name=reason]", "全家外出务工")
    page.click("button.danger")
    expect(page.locator(".msg-success")).to_contain_text("拉姆家 已停用")
    lamu = Household.objects.get(name="拉姆家")
    assert not lamu.is_active
    assert HouseholdEvent.objects.get(household=lamu).reason == "全家外出务工"
    assert Household.objects.filter(workshop=workshop).count() == 2
    shot(page, "operator", "region-household-off")


def test_region_pages_fit_the_phone_in_english(page, site, sign_in):
    from tests.factories import make_household, make_workshop

    make_skill("raoxian", "绕线")
    workshop = make_workshop(name="丹巴县聂呷乡绳编共富工坊（加长名称用来测试换行）")
    household = make_household(workshop, name="卓玛家")
    operator = make_user(User.Role.OPERATOR, display_name="运营小王")
    sign_in(page, operator)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    center_id = workshop.organisation.service_center_id
    paths = [
        "/ops/region/",
        f"/ops/region/centres/{center_id}/",
        "/ops/region/centres/new/",
        f"/ops/region/workshops/{workshop.pk}/",
        f"/ops/region/workshops/{workshop.pk}/lead/",
        f"/ops/region/workshops/{workshop.pk}/skills/",
        f"/ops/region/households/{household.pk}/",
        "/ops/skills/",
        "/ops/users/",
        "/ops/users/new/",
        f"/ops/users/{workshop.lead_id}/",
    ]
    problems = {}
    for path in paths:
        response = page.goto(f"{site}{path}")
        assert response.status == 200, (path, response.status)
        assert page.locator("html").get_attribute("lang") == "en"
        found = {kind: items for kind, items in _problems(page).items() if items}
        if found:
            problems[path] = found
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
