import pytest

from accounts.models import User
from jobs.services import job_create, job_fail, job_progress, job_start, job_succeed
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_progress_is_reported_as_it_runs_and_when_done(api, operator):
    job = job_create(kind="label_sheet", created_by=operator, total=200)
    api.as_user(operator)
    assert api.get(f"/tasks/{job.pk}").json()["status"] == "pending"
    job_start(job_id=job.pk)
    job_progress(job_id=job.pk, done=50, message="50/200")
    body = api.get(f"/tasks/{job.pk}").json()
    assert (body["status"], body["done"], body["total"], body["percent"]) == (
        "running",
        50,
        200,
        25,
    )
    assert body["status_label"] == "进行中"
    job_succeed(job_id=job.pk, result={"url": "/media/sheets/1.pdf"})
    body = api.get(f"/tasks/{job.pk}").json()
    assert (body["status"], body["percent"], body["done"]) == ("succeeded", 100, 200)
    assert body["result"] == {"url": "/media/sheets/1.pdf"}
    assert body["finished_at"] is not None


def test_failed_job_says_why(api, operator):
    job = job_create(kind="payout_period", created_by=operator)
    job_fail(job_id=job.pk, message="database went away")
    body = api.as_user(operator).get(f"/tasks/{job.pk}").json()
    assert (body["status"], body["message"]) == ("failed", "database went away")


def test_someone_elses_task_is_404(api, operator):
    lead = make_user(User.Role.LEAD)
    job = job_create(kind="label_sheet", created_by=operator)
    response = api.as_user(lead).get(f"/tasks/{job.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "task_not_found"


def test_operator_sees_a_leads_task(api, operator):
    lead = make_user(User.Role.LEAD)
    job = job_create(kind="label_sheet", created_by=lead)
    assert api.as_user(operator).get(f"/tasks/{job.pk}").status_code == 200
