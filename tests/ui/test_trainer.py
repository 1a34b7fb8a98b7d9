"""Trainer: my cohorts, a trainee's progress bars, and logging a session for several trainees."""

from decimal import Decimal

from django.test import Client
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import make_user
from trainees.models import ProgressLog

from .factories import make_cohort_with_trainees


def test_trainer_logs_progress_for_two_trainees_and_sees_the_bars_move(page, site, sign_in, shot):
    trainer = make_user(User.Role.TRAINER, display_name="李老师")
    _cohort, (zhuoma, lamu, _) = make_cohort_with_trainees(trainer, ["卓玛", "拉姆", "央金"])

    sign_in(page, trainer)
    expect(page.locator("h1")).to_have_text("我的班级")
    expect(page.locator(".card")).to_contain_text("丹巴一班")
    shot(page, "trainer", "cohorts")

    page.click("text=丹巴一班")
    expect(page.locator(".card", has_text="卓玛")).to_be_visible()
    shot(page, "trainer", "cohort")

    page.click("text=记录进度")
    page.check(f"input[name=trainees][value='{zhuoma.pk}']")
    page.check(f"input[name=trainees][value='{lamu.pk}']")
    page.select_option("select[name=module]", label="1. 绕线基础")
    page.fill("input[name=hours]", "5")
    page.fill("input[name=activity]", "绕线手法练习")
    shot(page, "trainer", "log")
    page.click("button.primary")

    expect(page.locator(".msg-success")).to_have_text("已为 2 名学员记录 5 学时。")
    assert sorted(ProgressLog.objects.values_list("trainee__name", flat=True)) == ["卓玛", "拉姆"]
    assert {log.hours for log in ProgressLog.objects.all()} == {Decimal("5.0")}

    page.click(".card:has-text('卓玛')")
    first_module = page.locator(".module").first
    expect(first_module).to_contain_text("5.0 / 10.0 学时")
    expect(first_module.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "50")
    shot(page, "trainer", "trainee")


def test_log_form_shows_the_services_refusal_and_saves_nothing(db):
    trainer = make_user(User.Role.TRAINER)
    cohort, (zhuoma,) = make_cohort_with_trainees(trainer, ["卓玛"])
    module = cohort.programme.modules.first()
    client = Client()
    client.force_login(trainer)
    response = client.post(
        f"/train/log/?cohort={cohort.pk}",
        {
            "trainees": [zhuoma.pk],
            "module": module.pk,
            "date": "2001-01-01",
            "hours": "2",
            "activity": "练习",
            "client_key": "8d3c6f5e-0000-4000-8000-000000000001",
        },
    )
    assert response.status_code == 200
    assert ProgressLog.objects.count() == 0
    assert 'class="error"' in response.content.decode()


def test_a_trainer_cannot_open_another_trainers_trainee(db):
    mine, other = make_user(User.Role.TRAINER), make_user(User.Role.TRAINER)
    _, (zhuoma,) = make_cohort_with_trainees(other, ["卓玛"])
    client = Client()
    client.force_login(mine)
    assert client.get(f"/train/trainees/{zhuoma.pk}/").status_code == 404


def test_a_lead_cannot_open_the_trainer_pages(db):
    client = Client()
    client.force_login(make_user(User.Role.LEAD))
    response = client.get("/train/")
    assert response.status_code == 403
    assert "您的角色无权执行此操作" in response.content.decode()
