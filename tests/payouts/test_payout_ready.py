"""Payout ready (issue 12): when a period is approved, the lead of every workshop whose
households are paid in it is told, once, after the commit; a second run of the resumable
approval tells nobody again."""

from datetime import date

import pytest

from accounts import notifications
from payouts.models import PayoutPeriod
from payouts.services import period_approve_request, period_compute, period_create
from payouts.tasks import period_approve_task
from tests.factories import make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    yield notifications.outbox
    notifications.outbox.clear()


@pytest.fixture
def two_workshops(operator):
    order = make_order(fee="1.0000")
    paid = [make_workshop(), make_workshop()]
    for pieces, workshop in zip((30, 12), paid, strict=True):
        for household in make_households(workshop, 2):
            make_outcome(household, order, accepted=pieces)
    idle = make_workshop()  # in scope, nothing accepted: its lead hears nothing
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    return period_compute(period_id=period.pk, actor=operator), paid, idle


def test_each_lead_is_told_once_when_the_period_is_approved(operator, two_workshops, tasks):
    period, paid, idle = two_workshops
    period, job = period_approve_request(period_id=period.pk, actor=operator)
    assert notifications.outbox == []  # nothing before the approval is done and committed
    tasks.run()
    assert PayoutPeriod.objects.get(pk=period.pk).status == "approved"

    notices = {notice.user_id: notice for notice in notifications.outbox}
    assert len(notifications.outbox) == 2
    assert set(notices) == {workshop.lead_id for workshop in paid}
    first = notices[paid[0].lead_id]
    assert first.kind == "payout_ready"
    assert first.text == "结算期“三月”已审核：您工坊 2 户农户共 ¥60.00。请打印农户结算单发给大家。"
    assert first.data == {
        "period_id": period.pk,
        "workshop_id": paid[0].pk,
        "households": 2,
        "total": "60.00",
        "url": f"/print/statements/{period.pk}/?workshop={paid[0].pk}",
    }
    assert idle.lead_id not in notices

    # The approval's task delivered again (Celery's redelivery, the reaper): nobody hears twice.
    period_approve_task(period.pk, job.pk)
    tasks.run()
    assert len(notifications.outbox) == 2


def test_an_approved_period_that_pays_nobody_tells_nobody(operator, workshop, tasks):
    empty = period_create(
        actor=operator, name="四月", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
    )
    period_compute(period_id=empty.pk, actor=operator)
    period_approve_request(period_id=empty.pk, actor=operator)
    tasks.run()
    assert PayoutPeriod.objects.get(pk=empty.pk).status == "approved"
    assert notifications.outbox == []


def test_the_notice_task_delivered_twice_tells_nobody_twice(operator, two_workshops, tasks):
    from payouts.tasks import payout_ready_notify_task

    period, _paid, _idle = two_workshops
    period, _job = period_approve_request(period_id=period.pk, actor=operator)
    tasks.run()
    assert len(notifications.outbox) == 2

    payout_ready_notify_task(period.pk)  # a worker lost after telling some leads: sent again
    assert len(notifications.outbox) == 2
