"""The payments' pages: mark paid with a method, the operator's list and resolve, the count on
/ops/, the lead's 收款 page, and the statement saying whether the household confirmed."""

import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from payouts.models import HouseholdPayment, PayoutPeriod
from payouts.services import payment_answer_record
from tests.factories import make_workshop

from .payment_factories import make_paid_period, payment_of


def test_mark_paid_on_the_period_page_records_the_method(client, operator, workshop):
    from datetime import date

    from payouts.services import period_approve, period_compute, period_create

    from .factories import make_order, make_outcome

    household = workshop.households.create(name="丙", phone="13800001111")
    make_outcome(household, make_order(fee="1.0000"), accepted=10)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    period_approve(period_id=period.pk, actor=operator)
    client.force_login(operator)
    page = client.get(reverse("payouts:period", args=[period.pk])).content.decode()
    assert 'name="method"' in page and "带头人转交现金" in page
    client.post(
        reverse("payouts:period_action", args=[period.pk, "paid"]),
        {"payment_reference": "WX-1", "method": "cash_lead"},
    )
    assert PayoutPeriod.objects.get(pk=period.pk).status == PayoutPeriod.Status.PAID
    assert (payment_of(household).method, payment_of(household).reference) == ("cash_lead", "WX-1")
    page = client.get(reverse("payouts:period", args=[period.pk])).content.decode()
    assert "0 / 1 户已确认收到" in page


def test_operator_sees_overdue_and_disputes_and_resolves(client, operator, workshop, settings):
    settings.PAYMENT_CONFIRM_DAYS = 3
    _period, (late, disputing) = make_paid_period(operator, workshop)
    HouseholdPayment.objects.filter(household=late).update(
        paid_at=timezone.now() - timedelta(days=4)
    )
    payment_answer_record(
        household_id=disputing.pk, answer="not_received", via="passbook", key=uuid.uuid4()
    )
    client.force_login(operator)
    ops = client.get(reverse("pages:impact")).content.decode()
    assert "待处理的农户收款：2 笔" in ops
    page = client.get(reverse("payouts:payments")).content.decode()
    assert late.name in page and disputing.name in page
    assert page.count('class="card payment-unconfirmed"') == 1
    response = client.post(
        reverse("payouts:payment_resolve", args=[payment_of(disputing).pk]),
        {"resolution": "已补发现金"},
    )
    assert response.status_code == 302
    assert payment_of(disputing).status == HouseholdPayment.Status.RESOLVED
    assert "待处理的农户收款：1 笔" in client.get(reverse("pages:impact")).content.decode()


def test_a_lead_may_not_open_the_operators_payments_page(client, workshop):
    client.force_login(workshop.lead)
    assert client.get(reverse("payouts:payments")).status_code == 403


def test_the_leads_payment_page_queues_to_its_own_endpoint(client, workshop):
    client.force_login(workshop.lead)
    page = client.get(reverse("payouts:payment_confirm"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-endpoint="/api/v1/payouts/answers/bulk"' in body
    assert 'data-queue-name="payment-answers"' in body


def test_the_statement_says_whether_the_household_confirmed(client, operator, workshop):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    token = payment_of(household).statement.token
    page = client.get(reverse("payouts:statement", args=[token])).content.decode()
    assert "农户尚未确认收到" in page
    payment_answer_record(
        household_id=household.pk, answer="received", via="passbook", key=uuid.uuid4()
    )
    page = client.get(reverse("payouts:statement", args=[token])).content.decode()
    assert "农户已确认收到" in page


def test_a_slip_is_seen_by_its_lead_and_not_another(client, operator, workshop, api):
    import base64
    import io

    from PIL import Image

    from tests.factories import bearer

    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    item = {
        "key": str(uuid.uuid4()),
        "code": household.card_code,
        "action": "received",
        "device_time": timezone.now().isoformat(),
        "photo": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
    }
    api.post("/payouts/answers/bulk", {"scans": [item]}, headers=bearer(workshop.lead))
    name = payment_of(household).answer.slip.name
    client.force_login(workshop.lead)
    assert client.get(f"/media/{name}").status_code == 200
    client.force_login(make_workshop().lead)
    assert client.get(f"/media/{name}").status_code == 404
