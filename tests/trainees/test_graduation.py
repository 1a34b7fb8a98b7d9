from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from orders.models import Batch, BatchEvent, Ticket
from tests.factories import make_household, make_service_center, make_user, make_workshop
from trainees.models import Trainee
from workshops.models import Workshop

from .factories import make_cohort, make_programme, make_trainee, module, pass_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return make_programme()


@pytest.fixture
def cohort(programme):
    return make_cohort(programme, days_ago=181)


@pytest.fixture
def trainer(cohort):
    return cohort.trainers.get()


def pass_all_but(trainee, *positions_left):
    for mod in trainee.cohort.programme.modules.all():
        if mod.position not in positions_left:
            pass_module(trainee, mod)


@pytest.fixture
def graduate(cohort):
    trainee = make_trainee(cohort, status=Trainee.Status.IN_TRAINING)
    pass_all_but(trainee)
    Trainee.objects.filter(pk=trainee.pk).update(
        status=Trainee.Status.GRADUATED, graduated_on=timezone.localdate() - timedelta(days=5)
    )
    trainee.refresh_from_db()
    return trainee


def test_graduating_with_a_module_not_passed_is_refused(api, programme, cohort, trainer):
    trainee = make_trainee(cohort, status=Trainee.Status.IN_TRAINING)
    pass_all_but(trainee, 5)
    response = api.as_user(trainer).post(f"/trainees/{trainee.pk}/graduate")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "modules_not_passed"
    assert response.json()["detail"] == {"modules": ["电商与直播带货"]}
    trainee.refresh_from_db()
    assert (trainee.status, trainee.graduated_on) == (Trainee.Status.IN_TRAINING, None)


def test_module_with_two_skills_needs_both_passed(api, programme, cohort, trainer):
    trainee = make_trainee(cohort, status=Trainee.Status.IN_TRAINING)
    pass_all_but(trainee, 1)
    client = api.as_user(trainer)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    body = {"module_id": module(programme, 1).pk, "level": 2, "score": 90, "assessed_on": yesterday}
    client.post(f"/trainees/{trainee.pk}/assessments", {**body, "skill": "raoxian"})
    assert client.post(f"/trainees/{trainee.pk}/graduate").json()["code"] == "modules_not_passed"
    client.post(f"/trainees/{trainee.pk}/assessments", {**body, "skill": "dajie"})
    response = client.post(f"/trainees/{trainee.pk}/graduate")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "graduated"
    assert response.json()["graduated_on"] == timezone.localdate().isoformat()


def test_graduating_twice_is_a_conflict(api, graduate, trainer):
    response = api.as_user(trainer).post(f"/trainees/{graduate.pk}/graduate")
    assert response.status_code == 409
    assert response.json()["code"] == "trainee_wrong_status"


def test_graduate_becomes_lead_of_an_existing_workshop_with_a_new_login(api, graduate, operator):
    workshop = make_workshop(with_lead=False)
    response = api.as_user(operator).post(
        f"/trainees/{graduate.pk}/make-lead",
        {"workshop_id": workshop.pk, "username": "lead_yuxin"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["workshop_id"] == workshop.pk
    assert body["lead_username"] == "lead_yuxin"
    assert body["initial_password"]
    user = User.objects.get(username="lead_yuxin")
    assert (user.role, user.organisation_id, user.display_name) == (
        User.Role.LEAD,
        workshop.organisation_id,
        "余鑫",
    )
    assert user.check_password(body["initial_password"])
    workshop.refresh_from_db()
    assert workshop.lead == user
    graduate.refresh_from_db()
    assert (graduate.led_workshop, graduate.user, graduate.lead_since) == (
        workshop,
        user,
        timezone.localdate(),
    )
    # The new lead signs in and sees their own record.
    token = api.client.post(
        "/api/v1/auth/token",
        {"username": "lead_yuxin", "password": body["initial_password"]},
        content_type="application/json",
    ).json()["token"]
    record = api.client.get(
        f"/api/v1/trainees/{graduate.pk}/record", headers={"Authorization": f"Bearer {token}"}
    )
    assert record.status_code == 200, record.content
    assert record.json()["workshop_id"] == workshop.pk


def test_graduate_becomes_lead_of_a_new_workshop(api, graduate, operator):
    center = make_service_center()
    response = api.as_user(operator).post(
        f"/trainees/{graduate.pk}/make-lead",
        {
            "new_workshop": {
                "name": "卓斯尼村共富工坊二期",
                "province": "四川",
                "county": "甘孜州丹巴县",
                "village": "卓斯尼村",
                "service_center_id": center.pk,
                "daily_capacity": 400,
                "skills": {"raoxian": 2, "dajie": 2},
            }
        },
    )
    assert response.status_code == 200, response.content
    workshop = Workshop.objects.get(organisation__name="卓斯尼村共富工坊二期")
    assert workshop.lead.username == response.json()["lead_username"]
    assert Trainee.objects.get(pk=graduate.pk).led_workshop == workshop


def test_graduate_with_a_lead_login_of_that_workshop_keeps_it(api, graduate, operator):
    workshop = make_workshop()
    Trainee.objects.filter(pk=graduate.pk).update(user=workshop.lead)
    response = api.as_user(operator).post(
        f"/trainees/{graduate.pk}/make-lead", {"workshop_id": workshop.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["initial_password"] is None
    assert response.json()["lead_username"] == workshop.lead.username


def test_graduate_whose_login_belongs_elsewhere_is_refused(api, graduate, operator):
    workshop = make_workshop(with_lead=False)
    elsewhere = make_workshop()
    Trainee.objects.filter(pk=graduate.pk).update(user=elsewhere.lead)
    response = api.as_user(operator).post(
        f"/trainees/{graduate.pk}/make-lead", {"workshop_id": workshop.pk}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "trainee_user_elsewhere"
    workshop.refresh_from_db()
    assert workshop.lead is None


def test_only_a_graduate_can_become_lead(api, cohort, operator):
    trainee = make_trainee(cohort, status=Trainee.Status.IN_TRAINING)
    workshop = make_workshop(with_lead=False)
    response = api.as_user(operator).post(
        f"/trainees/{trainee.pk}/make-lead", {"workshop_id": workshop.pk}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "trainee_not_graduated"
    assert not User.objects.filter(role=User.Role.LEAD, organisation=workshop.organisation).exists()


def test_only_an_operator_makes_leads(api, graduate, trainer):
    workshop = make_workshop(with_lead=False)
    response = api.as_user(trainer).post(
        f"/trainees/{graduate.pk}/make-lead", {"workshop_id": workshop.pk}
    )
    assert response.status_code == 403


def test_existing_or_new_workshop_but_not_both(api, graduate, operator):
    response = api.as_user(operator).post(f"/trainees/{graduate.pk}/make-lead", {})
    assert response.status_code == 400
    assert response.json()["code"] == "workshop_choice"


# --- The lead's record: training plus the workshop's results since -------------------------


def _returned_batch(workshop, households, *, late: bool = False):
    from orders.services import batch_mark_returned, ticket_return_record
    from tests.orders.factories import batch_in_production, make_ticket

    batch = batch_in_production(workshop, quantity=300, batch_size=100)
    for household in households:
        ticket = make_ticket(batch, quantity=20, household=household)
        ticket_return_record(actor=workshop.lead, ticket_id=ticket.pk, returned=20)
    batch_mark_returned(batch_id=batch.pk, actor=workshop.lead)
    if late:
        after = batch.order.deadline + timedelta(days=2)
        BatchEvent.objects.filter(batch=batch, to_status=Batch.Status.RETURNED).update(
            at=timezone.make_aware(timezone.datetime(after.year, after.month, after.day, 12))
        )
    return batch


def test_lead_record_shows_training_and_the_workshops_results_since(api, graduate, operator):
    workshop = make_workshop()
    Trainee.objects.filter(pk=graduate.pk).update(user=workshop.lead)
    api.as_user(operator).post(f"/trainees/{graduate.pk}/make-lead", {"workshop_id": workshop.pk})
    before = make_household(workshop, name="早先的农户")
    a, b, c = (make_household(workshop, name=name) for name in ("央金", "卓玛", "拉姆"))
    old = _returned_batch(workshop, [before])
    # The first batch was before the graduate took over: it does not count.
    long_ago = timezone.now() - timedelta(days=400)
    Ticket.objects.filter(batch=old).update(issued_at=long_ago)
    BatchEvent.objects.filter(batch=old).update(at=long_ago)
    _returned_batch(workshop, [a, b])
    _returned_batch(workshop, [b, c], late=True)

    response = api.as_user(workshop.lead).get(f"/trainees/{graduate.pk}/record")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["trainee"]["status"] == "graduated"
    assert body["summary"]["modules_passed"] == 5
    assert {c["skill"] for c in body["certificates"]} == {"raoxian", "dajie"}
    results = body["results"]
    assert results["since"] == timezone.localdate().isoformat()
    assert results["households_in_work"] == 3
    assert results["batches_returned"] == 2
    assert results["batches_on_time"] == 1
    assert results["on_time_rate"] == "0.5000"
    assert results["first_pass_yield"] is None  # nothing inspected yet


def test_another_lead_cannot_read_the_record(api, graduate, operator):
    workshop = make_workshop()
    Trainee.objects.filter(pk=graduate.pk).update(user=workshop.lead)
    api.as_user(operator).post(f"/trainees/{graduate.pk}/make-lead", {"workshop_id": workshop.pk})
    stranger = make_workshop().lead
    assert api.as_user(stranger).get(f"/trainees/{graduate.pk}/record").status_code == 404
    merchant = make_user(User.Role.MERCHANT)
    assert api.as_user(merchant).get(f"/trainees/{graduate.pk}/record").status_code == 404


def test_lead_record_carries_the_first_pass_yield_from_quality(api, graduate, operator):
    from tests.quality.factories import inspect, lot_with_households

    workshop = make_workshop()
    Trainee.objects.filter(pk=graduate.pk).update(user=workshop.lead)
    api.as_user(operator).post(f"/trainees/{graduate.pk}/make-lead", {"workshop_id": workshop.pk})
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    lot, _households = lot_with_households(workshop, [120, 80])
    inspect(lot, checker)
    results = api.as_user(operator).get(f"/trainees/{graduate.pk}/record").json()["results"]
    assert results["first_pass_yield"] == "1.0000"
    assert results["first_pass_yield_period"] in {"all_time", "since_lead"}
