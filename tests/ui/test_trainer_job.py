"""The trainer's whole job for a village apprentice, through the pages only (issue 12): record
a failed assessment, then a pass that certifies the skill (the household's workshop gains it),
then revoke that pass with a reason (the skill goes again). Then the pages in English fit."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_household, make_skill, make_workshop
from tests.trainees.factories import make_cohort, make_trainee, make_village_course, module
from trainees.models import Assessment, AssessmentRevocation, Trainee
from workshops.models import HouseholdSkill, WorkshopSkill, WorkshopSkillChange

from .test_layout import _problems


@pytest.fixture
def village_course(db):
    """An embroidery course (one module, skill 刺绣) with an apprentice of a winding workshop."""
    make_skill("cixiu", "刺绣")
    workshop = make_workshop(name="甲居藏寨共富工坊", skills={"raoxian": 2})
    household = make_household(workshop, name="泽仁拉姆家")
    course = make_village_course()
    cohort = make_cohort(course, days_ago=20)
    apprentice = make_trainee(
        cohort, name="拉姆", background=Trainee.Background.VILLAGER, household=household
    )
    return workshop, household, course, cohort, apprentice


def workshop_skills(workshop) -> dict[str, int]:
    return dict(WorkshopSkill.objects.filter(workshop=workshop).values_list("skill__code", "level"))


def test_trainer_assesses_certifies_and_revokes_and_the_workshop_skill_comes_and_goes(
    page, site, sign_in, shot, village_course
):
    workshop, household, course, cohort, apprentice = village_course
    sign_in(page, cohort.trainers.get())
    page.click(f"text={cohort.name}")
    page.click(".card:has-text('拉姆')")
    expect(page.locator("h1")).to_have_text("拉姆")

    # A first try below the pass score: recorded, nothing certified.
    page.click("#assess")
    expect(page.locator("h1")).to_have_text("记录考核")
    page.select_option("select[name=subject]", value=f"{module(course, 1).pk}:cixiu")
    page.select_option("select[name=level]", label="初级")
    page.fill("input[name=score]", "52")
    shot(page, "trainer", "assess")
    page.click("button.primary")
    expect(page.locator("[role=status].msg-warning")).to_have_text("未达及格分，已记录为未通过。")
    assert workshop_skills(workshop) == {"raoxian": 2}

    page.click("#assess")
    page.select_option("select[name=subject]", value=f"{module(course, 1).pk}:cixiu")
    page.select_option("select[name=level]", label="初级")
    page.fill("input[name=score]", "86")
    page.click("button.primary")
    expect(page.locator("[role=status].msg-success")).to_have_text("考核通过，已认证：刺绣 初级。")
    passed = Assessment.objects.get(passed=True)
    card = page.locator(f"#assessment-{passed.pk}")
    expect(card).to_contain_text("已认证")
    assert Assessment.objects.filter(trainee=apprentice).count() == 2
    assert workshop_skills(workshop) == {"raoxian": 2, "cixiu": 1}
    assert HouseholdSkill.objects.get(household=household, skill__code="cixiu").level == 1
    shot(page, "trainer", "certified")

    # The pass was a mistake (the score belonged to someone else): revoke it with the reason.
    card.locator("summary").click()
    card.locator("input[name=reason]").fill("分数记错了人")
    card.locator("button.danger").click()
    expect(page.locator("[role=status].msg-success")).to_have_text("已撤销这条考核记录。")
    card = page.locator(f"#assessment-{passed.pk}")
    expect(card).to_contain_text("已撤销")
    expect(card).to_contain_text("撤销：分数记错了人")
    shot(page, "trainer", "revoked")

    revocation = AssessmentRevocation.objects.get()
    assert (revocation.assessment_id, revocation.reason) == (passed.pk, "分数记错了人")
    assert Assessment.objects.filter(trainee=apprentice).count() == 2  # nothing deleted
    assert workshop_skills(workshop) == {"raoxian": 2}
    assert not HouseholdSkill.objects.filter(household=household, skill__code="cixiu").exists()
    change = WorkshopSkillChange.objects.filter(workshop=workshop).order_by("pk").last()
    assert (change.source, change.reason) == ("revoked", "分数记错了人")


def test_the_trainers_pages_fit_the_phone_in_english(page, site, sign_in, village_course):
    _workshop, _household, course, cohort, apprentice = village_course
    sign_in(page, cohort.trainers.get())
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    page.goto(f"{site}/train/trainees/{apprentice.pk}/assess/")
    page.select_option("select[name=subject]", value=f"{module(course, 1).pk}:cixiu")
    page.fill("input[name=score]", "90")
    page.click("button.primary")  # no level: refused on the form
    expect(page.locator(".error").first).to_be_visible()
    assert not {k: v for k, v in _problems(page).items() if v}
    page.select_option("select[name=level]", value="2")
    page.click("button.primary")
    expect(page.locator("[role=status].msg-success")).to_contain_text("certified")
    page.locator(".assessment summary").first.click()
    assert not {k: v for k, v in _problems(page).items() if v}
