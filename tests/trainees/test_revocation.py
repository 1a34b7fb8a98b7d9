"""Correcting a mistaken assessment: revoked as a new entry with a reason; the skill it
certified flows back out of the household and its workshop unless something else certifies it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from tests.factories import make_household, make_skill, make_user, make_workshop
from trainees.models import Assessment, AssessmentRevocation, Trainee
from trainees.selectors import trainee_summaries
from trainees.services import assessment_record
from workshops.models import HouseholdSkill, WorkshopSkill, WorkshopSkillChange
from workshops.services import workshop_skills_set

from .factories import make_cohort, make_trainee, make_village_course, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def village():
    """A winding workshop; a household whose daughter learns embroidery in a village course."""
    workshop = make_workshop(skills={"raoxian": 2})
    household = make_household(workshop, name="泽仁拉姆")
    course = make_village_course()
    cohort = make_cohort(course, days_ago=20)
    apprentice = make_trainee(
        cohort, name="拉姆", background=Trainee.Background.VILLAGER, household=household
    )
    return workshop, household, course, cohort, apprentice


def certify(trainer, trainee, course, *, level=1, score=85) -> Assessment:
    return assessment_record(
        actor=trainer,
        trainee_id=trainee.pk,
        module_id=module(course, 1).pk,
        skill_code="cixiu",
        level=level,
        score=score,
        assessed_on=timezone.localdate() - timedelta(days=1),
    )


def revoke(api, user, assessment, reason="分数录错了，实际未通过"):
    return api.as_user(user).post(f"/assessments/{assessment.pk}/revoke", {"reason": reason})


def skills_of(workshop) -> dict[str, int]:
    return dict(WorkshopSkill.objects.filter(workshop=workshop).values_list("skill__code", "level"))


def test_revoking_a_certificate_takes_the_skill_back_out_of_household_and_workshop(api, village):
    workshop, household, course, cohort, apprentice = village
    trainer = cohort.trainers.get()
    assessment = certify(trainer, apprentice, course)
    assert skills_of(workshop) == {"raoxian": 2, "cixiu": 1}

    response = revoke(api, trainer, assessment)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["revoked"], body["revocation_reason"]) == (True, "分数录错了，实际未通过")
    assert body["revoked_by"] == str(trainer)
    # The assessment itself is unchanged: the revocation is a new entry.
    assessment.refresh_from_db()
    assert (assessment.passed, assessment.certified_on is not None) == (True, True)
    assert AssessmentRevocation.objects.get().revoked_by == trainer
    assert not HouseholdSkill.objects.filter(household=household, skill__code="cixiu").exists()
    assert skills_of(workshop) == {"raoxian": 2}
    change = WorkshopSkillChange.objects.filter(workshop=workshop).order_by("pk").last()
    assert (change.source, change.from_level, change.to_level, change.actor) == (
        WorkshopSkillChange.Source.CERTIFICATION_REVOKED,
        1,
        None,
        trainer,
    )
    assert change.reason == "分数录错了，实际未通过" and change.household == household
    # It no longer passes the module either.
    summary = trainee_summaries([apprentice])[apprentice.pk]
    assert [m.passed for m in summary.modules] == [False]


def test_a_revoked_assessment_makes_the_workshop_ineligible_again(api, village):
    from orders.selectors import claimable_batches
    from tests.orders.factories import make_published_order

    workshop, _household, course, cohort, apprentice = village
    order = make_published_order(skills=("cixiu",), quantity=300, batch_size=300, days=30)
    assessment = certify(cohort.trainers.get(), apprentice, course)
    assert [b.order_id for b in claimable_batches(workshop=workshop)] == [order.pk]
    revoke(api, cohort.trainers.get(), assessment)
    assert claimable_batches(workshop=workshop) == []


def test_another_members_certificate_keeps_the_skill(api, village):
    workshop, household, course, cohort, apprentice = village
    trainer = cohort.trainers.get()
    sister = make_trainee(
        cohort, name="央金", background=Trainee.Background.VILLAGER, household=household
    )
    kept = certify(trainer, sister, course, level=1)
    wrong = certify(trainer, apprentice, course, level=3)
    assert skills_of(workshop)["cixiu"] == 3

    assert revoke(api, trainer, wrong).status_code == 200

    row = HouseholdSkill.objects.get(household=household, skill__code="cixiu")
    assert (row.level, row.source, row.certified_on) == (
        1,
        HouseholdSkill.Source.CERTIFIED,
        kept.certified_on,
    )
    assert skills_of(workshop)["cixiu"] == 1


def test_another_households_certificate_in_the_workshop_keeps_the_skill(api, village):
    workshop, household, course, cohort, apprentice = village
    trainer = cohort.trainers.get()
    neighbour = make_trainee(
        cohort,
        name="卓玛",
        background=Trainee.Background.VILLAGER,
        household=make_household(workshop, name="卓玛家"),
    )
    certify(trainer, neighbour, course, level=2)
    wrong = certify(trainer, apprentice, course, level=2)
    revoke(api, trainer, wrong)
    assert skills_of(workshop)["cixiu"] == 2
    assert not HouseholdSkill.objects.filter(household=household, skill__code="cixiu").exists()


def test_a_level_the_workshop_had_before_certification_stays(api, village):
    workshop, _household, course, cohort, apprentice = village
    operator = make_user(User.Role.OPERATOR)
    make_skill("cixiu")
    workshop_skills_set(
        actor=operator,
        workshop_id=workshop.pk,
        skills={"raoxian": 2, "cixiu": 1},
        reason="已有刺绣订单经验",
    )
    wrong = certify(cohort.trainers.get(), apprentice, course, level=3)
    assert skills_of(workshop)["cixiu"] == 3
    revoke(api, cohort.trainers.get(), wrong)
    assert skills_of(workshop)["cixiu"] == 1


def test_a_higher_declared_household_skill_is_left_alone(api, village):
    _workshop, household, course, cohort, apprentice = village
    skill = make_skill("cixiu")
    HouseholdSkill.objects.create(household=household, skill=skill, level=3)
    wrong = certify(cohort.trainers.get(), apprentice, course, level=1)
    revoke(api, cohort.trainers.get(), wrong)
    row = HouseholdSkill.objects.get(household=household, skill=skill)
    assert (row.level, row.source) == (3, HouseholdSkill.Source.DECLARED)


def test_revoking_twice_is_409_and_changes_nothing(api, village):
    _workshop, _household, course, cohort, apprentice = village
    trainer = cohort.trainers.get()
    assessment = certify(trainer, apprentice, course)
    revoke(api, trainer, assessment)
    changes = WorkshopSkillChange.objects.count()
    response = revoke(api, trainer, assessment, reason="再撤一次")
    assert response.status_code == 409
    assert response.json()["code"] == "assessment_already_revoked"
    assert AssessmentRevocation.objects.get().reason == "分数录错了，实际未通过"
    assert WorkshopSkillChange.objects.count() == changes


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required_and_nothing_changes_without_one(api, village, reason):
    workshop, _household, course, cohort, apprentice = village
    assessment = certify(cohort.trainers.get(), apprentice, course)
    response = revoke(api, cohort.trainers.get(), assessment, reason=reason)
    assert response.status_code == 400
    assert response.json()["code"] == "revocation_reason_required"
    assert not AssessmentRevocation.objects.exists()
    assert skills_of(workshop)["cixiu"] == 1


def test_another_trainers_assessment_is_404_and_changes_nothing(api, village):
    workshop, _household, course, cohort, apprentice = village
    assessment = certify(cohort.trainers.get(), apprentice, course)
    stranger = make_user(User.Role.TRAINER)
    response = revoke(api, stranger, assessment)
    assert response.status_code == 404
    assert response.json()["code"] == "assessment_not_found"
    assert not AssessmentRevocation.objects.exists()
    assert skills_of(workshop)["cixiu"] == 1


@pytest.mark.parametrize("role", [User.Role.LEAD, User.Role.CHECKER, User.Role.MERCHANT])
def test_other_roles_may_not_revoke(api, village, role):
    workshop, _household, course, cohort, apprentice = village
    assessment = certify(cohort.trainers.get(), apprentice, course)
    response = revoke(api, make_user(role, organisation=workshop.organisation), assessment)
    assert response.status_code == 403
    assert not AssessmentRevocation.objects.exists()


def test_an_operator_may_revoke(api, village):
    workshop, _household, course, cohort, apprentice = village
    assessment = certify(cohort.trainers.get(), apprentice, course)
    assert revoke(api, make_user(User.Role.OPERATOR), assessment).status_code == 200
    assert "cixiu" not in skills_of(workshop)


def test_the_list_shows_revoked_assessments_with_their_reason(api, village):
    _workshop, _household, course, cohort, apprentice = village
    trainer = cohort.trainers.get()
    assessment = certify(trainer, apprentice, course)
    revoke(api, trainer, assessment)
    rows = api.as_user(trainer).get(f"/trainees/{apprentice.pk}/assessments").json()
    assert [(r["id"], r["revoked"], r["revocation_reason"]) for r in rows] == [
        (assessment.pk, True, "分数录错了，实际未通过")
    ]
