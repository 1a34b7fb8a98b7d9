"""The trainer's pages: record an assessment (a pass of a skill certifies it) and revoke a
mistaken one with a reason; refusals are shown and change nothing."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.factories import make_household, make_user, make_workshop
from trainees.models import Assessment, AssessmentRevocation, Trainee
from workshops.models import WorkshopSkill

from .factories import make_cohort, make_trainee, make_village_course, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def village():
    workshop = make_workshop(skills={"raoxian": 2})
    household = make_household(workshop, name="泽仁拉姆")
    course = make_village_course()
    cohort = make_cohort(course, days_ago=20)
    apprentice = make_trainee(
        cohort, name="拉姆", background=Trainee.Background.VILLAGER, household=household
    )
    client = Client()
    client.force_login(cohort.trainers.get())
    return workshop, course, apprentice, client


def form(course, **fields):
    data = {
        "subject": f"{module(course, 1).pk}:cixiu",
        "level": "1",
        "score": "85",
        "assessed_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "notes": "",
        "client_key": str(uuid.uuid4()),
    }
    data.update(fields)
    return data


def has_cixiu(workshop) -> bool:
    return WorkshopSkill.objects.filter(workshop=workshop, skill__code="cixiu").exists()


def test_the_form_offers_each_skill_of_each_module(village):
    _workshop, course, apprentice, client = village
    page = client.get(f"/train/trainees/{apprentice.pk}/assess/").content.decode()
    assert f'value="{module(course, 1).pk}:cixiu"' in page and "刺绣入门 · " in page


def test_a_pass_certifies_the_skill_and_raises_the_workshop(village):
    workshop, course, apprentice, client = village
    response = client.post(f"/train/trainees/{apprentice.pk}/assess/", form(course), follow=True)
    assessment = Assessment.objects.get()
    assert (assessment.passed, assessment.skill.code, assessment.level) == (True, "cixiu", 1)
    assert assessment.certified_on is not None
    assert has_cixiu(workshop)
    assert "考核通过，已认证" in response.content.decode()


def test_the_same_form_sent_twice_records_once(village):
    _workshop, course, apprentice, client = village
    data = form(course)
    client.post(f"/train/trainees/{apprentice.pk}/assess/", data)
    client.post(f"/train/trainees/{apprentice.pk}/assess/", data)
    assert Assessment.objects.count() == 1


def test_a_refused_assessment_is_shown_on_the_form_and_saves_nothing(village):
    workshop, course, apprentice, client = village
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        f"/train/trainees/{apprentice.pk}/assess/", form(course, assessed_on=future)
    )
    assert response.status_code == 200
    assert "日期不能晚于今天" in response.content.decode()
    assert not Assessment.objects.exists() and not has_cixiu(workshop)


def test_a_skill_without_a_level_is_refused(village):
    _workshop, course, apprentice, client = village
    response = client.post(f"/train/trainees/{apprentice.pk}/assess/", form(course, level=""))
    assert response.status_code == 200
    assert "等级必须是初级、中级或高级" in response.content.decode()
    assert not Assessment.objects.exists()


def test_revoking_from_the_page_takes_the_skill_back_out(village):
    workshop, course, apprentice, client = village
    client.post(f"/train/trainees/{apprentice.pk}/assess/", form(course))
    assessment = Assessment.objects.get()
    page = client.get(f"/train/trainees/{apprentice.pk}/").content.decode()
    assert f"/train/assessments/{assessment.pk}/revoke/" in page
    response = client.post(
        f"/train/assessments/{assessment.pk}/revoke/",
        {"reason": "分数录错", "trainee": apprentice.pk},
        follow=True,
    )
    page = response.content.decode()
    assert "已撤销这条考核记录" in page and "撤销：分数录错" in page
    assert AssessmentRevocation.objects.get().reason == "分数录错"
    assert not has_cixiu(workshop)


def test_revoking_without_a_reason_is_refused_with_a_message_and_changes_nothing(village):
    workshop, course, apprentice, client = village
    client.post(f"/train/trainees/{apprentice.pk}/assess/", form(course))
    assessment = Assessment.objects.get()
    response = client.post(
        f"/train/assessments/{assessment.pk}/revoke/",
        {"reason": "  ", "trainee": apprentice.pk},
        follow=True,
    )
    assert "请填写撤销原因" in response.content.decode()
    assert not AssessmentRevocation.objects.exists() and has_cixiu(workshop)


def test_another_trainer_cannot_revoke(village):
    workshop, course, apprentice, client = village
    client.post(f"/train/trainees/{apprentice.pk}/assess/", form(course))
    assessment = Assessment.objects.get()
    stranger = Client()
    stranger.force_login(make_user(User.Role.TRAINER))
    stranger.post(f"/train/assessments/{assessment.pk}/revoke/", {"reason": "探针"})
    assert not AssessmentRevocation.objects.exists() and has_cixiu(workshop)
    assert stranger.get(f"/train/trainees/{apprentice.pk}/assess/").status_code == 404
