import importlib

import pytest

from accounts.models import User
from tests.factories import make_household, make_skill, make_user, make_workshop
from trainees.models import Cohort, Programme, Trainee

from .factories import make_cohort, make_programme

pytestmark = pytest.mark.django_db


def course_body(**overrides):
    body = {
        "code": "cixiu-30",
        "name": "刺绣技能培训（30天）",
        "kind": "village",
        "duration_days": 30,
        "modules": [
            {"name": "刺绣入门", "required_hours": "20", "due_day": 15, "skills": ["cixiu"]},
            {"name": "质检标准", "required_hours": "6", "due_day": 30},
        ],
    }
    body.update(overrides)
    return body


def test_operator_defines_a_course_with_modules(api, operator):
    make_skill("cixiu")
    response = api.as_user(operator).post("/courses", course_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["required_hours"] == "26.0"
    assert [(m["position"], m["name"], m["skills"]) for m in body["modules"]] == [
        (1, "刺绣入门", ["cixiu"]),
        (2, "质检标准", []),
    ]


def test_course_with_module_due_after_its_end_is_refused(api, operator):
    make_skill("cixiu")
    body = course_body()
    body["modules"][1]["due_day"] = 31
    response = api.as_user(operator).post("/courses", body)
    assert response.status_code == 400
    assert response.json()["code"] == "module_due_after_programme"
    assert not Programme.objects.filter(code="cixiu-30").exists()


def test_course_with_unknown_skill_is_refused(api, operator):
    response = api.as_user(operator).post("/courses", course_body())
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_skill"
    assert not Programme.objects.filter(code="cixiu-30").exists()


def test_the_180_day_lead_programme_is_seeded(api, trainer):
    # Migration 0002 seeds it; a transactional test elsewhere may have flushed it, so run
    # the migration's function again (it does nothing when the programme exists).
    from django.apps import apps

    importlib.import_module("trainees.migrations.0002_seed_lead_programme").seed(apps, None)
    courses = api.as_user(trainer).get("/courses").json()["items"]
    (lead,) = [c for c in courses if c["code"] == "lingtouyan-180"]
    assert (lead["kind"], lead["duration_days"], lead["required_hours"]) == ("lead", 180, "790.0")
    assert [m["name"] for m in lead["modules"]] == [
        "绕线与打结",
        "质检标准",
        "接单与交期",
        "工坊管理",
        "电商与直播带货",
    ]
    assert [m["due_day"] for m in lead["modules"]] == [45, 75, 105, 145, 180]


def test_trainer_reads_courses_but_does_not_define_them(api, trainer):
    make_programme()
    codes = {c["code"] for c in api.as_user(trainer).get("/courses").json()["items"]}
    assert "lingtouyan" in codes
    assert api.as_user(trainer).post("/courses", course_body()).status_code == 403


def test_merchant_cannot_see_courses(api, merchant):
    assert api.as_user(merchant).get("/courses").status_code == 403


def test_operator_opens_a_cohort_with_its_trainers(api, operator, trainer):
    programme = make_programme()
    response = api.as_user(operator).post(
        "/cohorts",
        {
            "programme_id": programme.pk,
            "name": "2026 春季领头雁班",
            "start_date": "2026-03-01",
            "place_kind": "yiwu_base",
            "place": "义乌市凰升塘就业创业基地",
            "trainer_ids": [trainer.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["end_date"] == "2026-08-28"
    assert [t["id"] for t in body["trainers"]] == [trainer.pk]


def test_cohort_trainers_must_be_trainers(api, operator, merchant):
    programme = make_programme()
    response = api.as_user(operator).post(
        "/cohorts",
        {
            "programme_id": programme.pk,
            "name": "春季班",
            "start_date": "2026-03-01",
            "place_kind": "village",
            "place": "卓斯尼村",
            "trainer_ids": [merchant.pk],
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_a_trainer"
    assert not Cohort.objects.exists()


def enrol_body(cohort, **overrides):
    body = {
        "cohort_id": cohort.pk,
        "name": "泽仁拉姆",
        "province": "四川",
        "county": "甘孜州丹巴县",
        "village": "卓斯尼村",
        "background": "villager",
    }
    body.update(overrides)
    return body


def test_trainer_enrols_a_household_member_into_own_cohort(api):
    # A village teacher, of the service center serving the household's workshop (its reach:
    # tests/trainees/test_reach.py).
    workshop = make_workshop()
    trainer = make_user(User.Role.TRAINER, organisation=workshop.organisation.service_center)
    cohort = make_cohort(make_programme(), trainers=[trainer])
    household = make_household(workshop)
    response = api.as_user(trainer).post("/trainees", enrol_body(cohort, household_id=household.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["household_id"], body["origin"]) == (
        "enrolled",
        household.pk,
        "四川 甘孜州丹巴县 卓斯尼村",
    )


def test_trainer_cannot_enrol_into_a_cohort_they_do_not_teach(api, trainer):
    cohort = make_cohort(make_programme())
    response = api.as_user(trainer).post("/trainees", enrol_body(cohort))
    assert response.status_code == 404
    assert response.json()["code"] == "cohort_not_found"
    assert not Trainee.objects.exists()


def test_lead_sees_no_trainee_that_is_not_their_workshops_lead(api):
    cohort = make_cohort(make_programme())
    Trainee.objects.create(
        cohort=cohort, name="x", province="四川", county="丹巴县", background="villager"
    )
    lead = make_workshop().lead
    assert api.as_user(lead).get("/trainees").json()["count"] == 0
