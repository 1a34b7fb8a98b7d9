"""Large periods go to the worker with a job whose progress GET /tasks/{id} reports."""

from datetime import date

import pytest

from payouts import services
from payouts.models import PayoutPeriod
from payouts.services import periods

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def test_large_period_is_computed_by_the_task_with_progress(
    api, operator, workshop, monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app

    monkeypatch.setattr(periods, "SYNC_COMPUTE_LIMIT", 0)  # everything counts as large
    # run the task in-process even when REDIS_URL points at a broker with no worker
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    households = make_households(workshop, 2)
    order = make_order(fee="0.5000")
    for household in households:
        make_outcome(household, order, accepted=8)
    api.as_user(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/payouts/periods", {"name": "大", "starts_on": "2026-03-01", "ends_on": "2026-03-31"}
        )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "computing"
    assert body["task_id"] is not None
    task = api.get(f"/tasks/{body['task_id']}").json()
    assert (task["status"], task["percent"], task["kind"]) == ("succeeded", 100, "payout_period")
    assert task["result"]["gross_fen"] == 800
    period = PayoutPeriod.objects.get(pk=body["id"])
    assert (period.status, period.gross_fen) == ("computed", 800)


def test_running_the_task_again_changes_nothing(operator, workshop, monkeypatch):
    from payouts.tasks import period_compute_task

    (household,) = make_households(workshop, 1)
    make_outcome(household, make_order(fee="0.5000"), accepted=8)
    period = services.period_create(
        actor=operator, name="p", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period = services.period_compute(period_id=period.pk, actor=operator)
    period_compute_task(period.pk, 12345)  # a stale or repeated delivery
    assert PayoutPeriod.objects.get(pk=period.pk).status == "computed"


def test_computing_period_refuses_a_second_compute_and_approval(operator, workshop, monkeypatch):
    period = services.period_create(
        actor=operator, name="p", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    periods._compute_begin(period_id=period.pk, actor=operator, job=None)
    with pytest.raises(services.PeriodNotComputable):
        services.period_compute(period_id=period.pk, actor=operator)
    with pytest.raises(services.PeriodNotComputed):
        services.period_approve(period_id=period.pk, actor=operator)
