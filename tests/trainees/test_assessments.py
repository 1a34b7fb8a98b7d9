from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_household, make_skill, make_workshop
from trainees.models import Assessment, Trainee
from workshops.models import HouseholdSkill, SkillLevel, WorkshopSkill

from .factories import make_cohort, make_programme, make_trainee, make_village_course, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return make_programme()


@pytest.fixture
def cohort(programme):
    return make_cohort(programme, days_ago=60)


@pytest.fixture
def trainer(cohort):
    return cohort.trainers.get()


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def assess(api, user, trainee, **body):
    body.setdefault("assessed_on", yesterday())
    return api.as_user(user).post(f"/trainees/{trainee.pk}/assessments", body)


def test_passing_a_skill_certifies_it_on_the_assessment_day(api, programme, cohort, trainer):
    trainee = make_trainee(cohort)
    response = assess(
        api, trainer, trainee, module_id=module(programme, 1).pk, skill="raoxian", level=2, score=82
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["passed"] is True
    assert body["certified_on"] == yesterday()
    assert body["level_label"] == "中级"
    trainee.refresh_from_db()
    assert trainee.status == Trainee.Status.IN_TRAINING


def test_failing_certifies_nothing(api, programme, cohort, trainer):
    trainee = make_trainee(cohort)
    response = assess(
        api, trainer, trainee, module_id=module(programme, 1).pk, skill="raoxian", level=2, score=59
    )
    assert response.status_code == 201
    assert response.json()["passed"] is False
    assert response.json()["certified_on"] is None


def test_module_without_skills_is_assessed_as_a_whole(api, programme, cohort, trainer):
    trainee = make_trainee(cohort)
    response = assess(api, trainer, trainee, module_id=module(programme, 4).pk, score=75)
    assert response.status_code == 201, response.content
    assert response.json()["skill"] is None
    assert response.json()["certified_on"] is None
    assert response.json()["passed"] is True


def test_skill_not_in_the_programme_is_refused(api, programme, cohort, trainer):
    trainee = make_trainee(cohort)
    make_skill("gouzhen")
    response = assess(
        api, trainer, trainee, module_id=module(programme, 1).pk, skill="gouzhen", level=1, score=90
    )
    assert response.status_code == 400
    assert response.json()["code"] == "skill_not_in_programme"
    assert not Assessment.objects.exists()


def test_skill_of_another_module_is_refused(api, programme, cohort, trainer):
    trainee = make_trainee(cohort)
    response = assess(
        api, trainer, trainee, module_id=module(programme, 2).pk, skill="raoxian", level=1, score=90
    )
    assert response.status_code == 400
    assert response.json()["code"] == "skill_not_in_module"


def test_module_assessed_by_skill_needs_a_skill(api, programme, cohort, trainer):
    trainee = make_trainee(cohort)
    response = assess(api, trainer, trainee, module_id=module(programme, 1).pk, score=90)
    assert response.status_code == 400
    assert response.json()["code"] == "skill_required"


@pytest.mark.parametrize("level", [None, 0, 4])
def test_unknown_level_is_refused(api, programme, cohort, trainer, level):
    trainee = make_trainee(cohort)
    response = assess(
        api,
        trainer,
        trainee,
        module_id=module(programme, 1).pk,
        skill="raoxian",
        level=level,
        score=90,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_level"
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("score", [-5, 101])
def test_assessment_score_out_of_range_is_refused(api, programme, cohort, trainer, score):
    trainee = make_trainee(cohort)
    response = assess(api, trainer, trainee, module_id=module(programme, 4).pk, score=score)
    assert response.status_code == 400
    assert response.json()["code"] == "score_out_of_range"
    assert not Assessment.objects.exists()


def test_assessment_in_the_future_is_refused(api, programme, cohort, trainer):
    trainee = make_trainee(cohort)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = assess(
        api, trainer, trainee, module_id=module(programme, 4).pk, score=80, assessed_on=tomorrow
    )
    assert response.status_code == 400
    assert response.json()["code"] == "date_in_future"


def test_trainer_of_another_cohort_cannot_assess(api, programme, cohort):
    other_cohort = make_cohort(programme)
    trainee = make_trainee(cohort)
    response = assess(
        api, other_cohort.trainers.get(), trainee, module_id=module(programme, 4).pk, score=80
    )
    assert response.status_code == 404
    assert not Assessment.objects.exists()


# --- Certification flows into the household and its workshop ----------------------------------


@pytest.fixture
def village():
    """A workshop doing winding only, with a household whose daughter learns embroidery."""
    workshop = make_workshop(skills={"raoxian": 2})
    household = make_household(workshop, name="泽仁拉姆")
    course = make_village_course()
    cohort = make_cohort(course, days_ago=20)
    apprentice = make_trainee(
        cohort, name="拉姆", background=Trainee.Background.VILLAGER, household=household
    )
    return workshop, household, course, cohort, apprentice


def test_certified_skill_becomes_the_households_skill(api, village):
    workshop, household, course, cohort, apprentice = village
    response = assess(
        api,
        cohort.trainers.get(),
        apprentice,
        module_id=module(course, 1).pk,
        skill="cixiu",
        level=SkillLevel.BEGINNER,
        score=88,
    )
    assert response.status_code == 201, response.content
    row = HouseholdSkill.objects.get(household=household, skill__code="cixiu")
    assert (row.level, row.source, row.certified_on.isoformat()) == (
        SkillLevel.BEGINNER,
        HouseholdSkill.Source.CERTIFIED,
        yesterday(),
    )
    # The workshop's profile now lists the skill too (see docs/trainees.md).
    assert WorkshopSkill.objects.get(workshop=workshop, skill__code="cixiu").level == 1


def test_certification_raises_a_lower_declared_level_but_never_lowers(api, village):
    workshop, household, course, cohort, apprentice = village
    skill = make_skill("cixiu")
    HouseholdSkill.objects.create(household=household, skill=skill, level=SkillLevel.BEGINNER)
    trainer = cohort.trainers.get()
    assess(
        api, trainer, apprentice, module_id=module(course, 1).pk, skill="cixiu", level=2, score=90
    )
    row = HouseholdSkill.objects.get(household=household, skill=skill)
    assert (row.level, row.source) == (2, HouseholdSkill.Source.CERTIFIED)
    # A later pass at a lower level changes nothing.
    assess(
        api, trainer, apprentice, module_id=module(course, 1).pk, skill="cixiu", level=1, score=95
    )
    row.refresh_from_db()
    assert row.level == 2
    assert WorkshopSkill.objects.get(workshop=workshop, skill=skill).level == 2


def test_failed_assessment_leaves_the_household_alone(api, village):
    workshop, household, course, cohort, apprentice = village
    assess(
        api,
        cohort.trainers.get(),
        apprentice,
        module_id=module(course, 1).pk,
        skill="cixiu",
        level=1,
        score=40,
    )
    assert not HouseholdSkill.objects.filter(household=household, skill__code="cixiu").exists()
    assert not WorkshopSkill.objects.filter(workshop=workshop, skill__code="cixiu").exists()


def test_certification_makes_the_workshop_eligible_for_orders_needing_the_skill(api, village):
    from orders.selectors import claimable_batches
    from tests.orders.factories import make_published_order

    workshop, household, course, cohort, apprentice = village
    order = make_published_order(skills=("cixiu",), quantity=300, batch_size=300, days=30)
    assert claimable_batches(workshop=workshop) == []
    response = assess(
        api,
        cohort.trainers.get(),
        apprentice,
        module_id=module(course, 1).pk,
        skill="cixiu",
        level=1,
        score=80,
    )
    assert response.status_code == 201
    assert [batch.order_id for batch in claimable_batches(workshop=workshop)] == [order.pk]
    household.refresh_from_db()
    assert set(household.skills.values_list("code", flat=True)) == {"cixiu"}
