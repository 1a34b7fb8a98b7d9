"""Per-household payments recorded at mark paid, the households' answers, and disputes."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Forbidden
from payouts.models import HouseholdPayment, PaymentAnswer
from payouts.selectors import (
    payment_attention_count,
    payment_dispute_list,
    payment_unconfirmed_list,
)
from payouts.services import (
    PaymentAnswerKeyReused,
    PaymentMethodInvalid,
    PaymentNotDisputed,
    PaymentNothingToAnswer,
    PaymentResolutionRequired,
    PaymentSlipRequired,
    payment_answer_record,
    payment_dispute_resolve,
)
from tests.factories import bearer, make_workshop

from .payment_factories import make_paid_period, payment_of

Status = HouseholdPayment.Status


def test_mark_paid_records_one_payment_per_household_with_method_and_reference(operator, workshop):
    period, households = make_paid_period(operator, workshop, pieces=(100, 40), method="mobile")
    payments = HouseholdPayment.objects.filter(period=period).order_by("household_id")
    assert [(p.household_id, p.amount_fen) for p in payments] == [
        (households[0].pk, 5000),
        (households[1].pk, 2000),
    ]
    assert {(p.method, p.reference, p.status) for p in payments} == {
        ("mobile", "BANK-001", Status.UNCONFIRMED)
    }
    assert all(p.amount_fen == p.statement.total_fen for p in payments)


def test_mark_paid_takes_a_method_and_reference_per_household(operator, workshop):
    households = [workshop.households.create(name=n, phone="13800001111") for n in ("甲", "乙")]
    _period, _ = make_paid_period(
        operator,
        workshop,
        households=households,
        household_methods={households[1].pk: ("cash_lead", "现金-带头人-03")},
    )
    assert (payment_of(households[0]).method, payment_of(households[0]).reference) == (
        "bank",
        "BANK-001",
    )
    assert (payment_of(households[1]).method, payment_of(households[1]).reference) == (
        "cash_lead",
        "现金-带头人-03",
    )


def test_mark_paid_with_an_unknown_method_changes_nothing(operator, workshop):
    with pytest.raises(PaymentMethodInvalid):
        make_paid_period(operator, workshop, method="gold")
    assert not HouseholdPayment.objects.exists()
    from payouts.models import PayoutPeriod

    assert PayoutPeriod.objects.get().status == PayoutPeriod.Status.APPROVED


def test_mark_paid_api_takes_the_method(api, operator, workshop):
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
    response = api.post(
        f"/payouts/periods/{period.pk}/paid",
        {
            "payment_reference": "B-9",
            "method": "bank",
            "households": [{"household_id": household.pk, "method": "mobile"}],
        },
        headers=bearer(operator),
    )
    assert response.status_code == 200, response.content
    payment = payment_of(household)
    assert (payment.method, payment.reference, payment.amount_fen) == ("mobile", "B-9", 1000)


def test_received_confirms_and_the_same_key_again_changes_nothing(operator, workshop):
    _period, (household, _other) = make_paid_period(operator, workshop)
    key = uuid.uuid4()
    first = payment_answer_record(
        household_id=household.pk, answer="received", via="passbook", key=key
    )
    again = payment_answer_record(
        household_id=household.pk, answer="received", via="passbook", key=key
    )
    assert first.created and not again.created
    assert again.answer.pk == first.answer.pk
    assert PaymentAnswer.objects.count() == 1
    assert payment_of(household).status == Status.CONFIRMED
    assert payment_of(_other).status == Status.UNCONFIRMED


def test_a_second_confirmation_with_a_new_key_finds_nothing_to_answer(operator, workshop):
    _period, (household, _other) = make_paid_period(operator, workshop)
    payment_answer_record(
        household_id=household.pk, answer="received", via="passbook", key=uuid.uuid4()
    )
    with pytest.raises(PaymentNothingToAnswer):
        payment_answer_record(
            household_id=household.pk, answer="not_received", via="passbook", key=uuid.uuid4()
        )
    assert payment_of(household).status == Status.CONFIRMED
    assert PaymentAnswer.objects.count() == 1


def test_a_key_used_for_another_household_is_refused(operator, workshop):
    _period, (first, second) = make_paid_period(operator, workshop)
    key = uuid.uuid4()
    payment_answer_record(household_id=first.pk, answer="received", via="passbook", key=key)
    with pytest.raises(PaymentAnswerKeyReused):
        payment_answer_record(household_id=second.pk, answer="received", via="passbook", key=key)
    assert payment_of(second).status == Status.UNCONFIRMED


def test_an_offline_answer_covers_only_payments_made_before_it(operator, workshop):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    before = timezone.now() - timedelta(days=1)
    with pytest.raises(PaymentNothingToAnswer):
        payment_answer_record(
            household_id=household.pk,
            answer="received",
            via="lead_phone",
            key=uuid.uuid4(),
            actor=workshop.lead,
            answered_at=before,
        )
    assert payment_of(household).status == Status.UNCONFIRMED


def test_a_slip_answer_needs_its_photo(operator, workshop):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    with pytest.raises(PaymentSlipRequired):
        payment_answer_record(
            household_id=household.pk,
            answer="received",
            via="slip",
            key=uuid.uuid4(),
            actor=workshop.lead,
        )
    assert payment_of(household).status == Status.UNCONFIRMED


def test_a_merchant_cannot_answer_for_a_household(operator, workshop, merchant):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    with pytest.raises(Forbidden):
        payment_answer_record(
            household_id=household.pk,
            answer="received",
            via="lead_phone",
            key=uuid.uuid4(),
            actor=merchant,
        )


def test_not_received_opens_a_dispute_the_operator_resolves_with_a_note(operator, workshop):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    payment_answer_record(
        household_id=household.pk, answer="not_received", via="passbook", key=uuid.uuid4()
    )
    payment = payment_of(household)
    assert payment.status == Status.DISPUTED
    assert list(payment_dispute_list(viewer=operator)) == [payment]
    assert payment_attention_count(viewer=operator) == 1
    with pytest.raises(PaymentResolutionRequired):
        payment_dispute_resolve(payment_id=payment.pk, actor=operator, resolution="  ")
    assert payment_of(household).status == Status.DISPUTED
    resolved = payment_dispute_resolve(
        payment_id=payment.pk, actor=operator, resolution="银行退回，已重新转账 B-77"
    )
    assert (resolved.status, resolved.resolved_by, resolved.resolution) == (
        Status.RESOLVED,
        operator,
        "银行退回，已重新转账 B-77",
    )
    assert not payment_dispute_list(viewer=operator).exists()
    with pytest.raises(PaymentNotDisputed):
        payment_dispute_resolve(payment_id=payment.pk, actor=operator, resolution="again")


def test_a_lead_cannot_resolve_a_dispute(operator, workshop):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    payment_answer_record(
        household_id=household.pk, answer="not_received", via="passbook", key=uuid.uuid4()
    )
    with pytest.raises(Forbidden):
        payment_dispute_resolve(
            payment_id=payment_of(household).pk, actor=workshop.lead, resolution="ok"
        )
    assert payment_of(household).status == Status.DISPUTED


def test_unconfirmed_payments_older_than_the_setting_go_before_the_operator(
    operator, workshop, settings
):
    settings.PAYMENT_CONFIRM_DAYS = 7
    _period, (old, _fresh) = make_paid_period(operator, workshop)
    HouseholdPayment.objects.filter(household=old).update(
        paid_at=timezone.now() - timedelta(days=8)
    )
    assert [p.household_id for p in payment_unconfirmed_list(viewer=operator)] == [old.pk]
    other = make_workshop()
    assert not payment_unconfirmed_list(viewer=other.lead).exists()
    assert [p.household_id for p in payment_unconfirmed_list(viewer=workshop.lead)] == [old.pk]
    assert payment_attention_count(viewer=operator) == 1


def test_the_lead_phone_queue_confirms_by_card_and_replays(api, operator, workshop):
    _period, (household, other) = make_paid_period(operator, workshop)
    item = {
        "key": str(uuid.uuid4()),
        "code": household.card_code,
        "action": "received",
        "device_time": timezone.now().isoformat(),
    }
    headers = bearer(workshop.lead)
    body = {"scans": [item, {**item, "key": "nope"}, "junk"]}
    first = api.post("/payouts/answers/bulk", body, headers=headers).json()
    assert [r["status"] for r in first["results"]] == ["created", "rejected", "rejected"]
    assert first["results"][0]["payments"] == 1
    again = api.post("/payouts/answers/bulk", {"scans": [item]}, headers=headers).json()
    assert again["results"][0]["status"] == "replayed"
    assert payment_of(household).status == Status.CONFIRMED
    assert payment_of(household).answer.via == PaymentAnswer.Via.LEAD_PHONE
    assert payment_of(household).answer.recorded_by == workshop.lead
    assert payment_of(other).status == Status.UNCONFIRMED


def test_another_workshops_lead_cannot_answer_by_card(api, operator, workshop):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    stranger = make_workshop().lead
    item = {
        "key": str(uuid.uuid4()),
        "code": household.card_code,
        "action": "received",
        "device_time": timezone.now().isoformat(),
    }
    answer = api.post("/payouts/answers/bulk", {"scans": [item]}, headers=bearer(stranger))
    result = answer.json()["results"][0]
    assert (result["status"], result["error"]["code"]) == ("rejected", "card_not_found")
    assert payment_of(household).status == Status.UNCONFIRMED


def test_a_slip_photo_through_the_queue_is_cleaned_and_kept(api, operator, workshop):
    import base64
    import io

    from PIL import Image

    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    item = {
        "key": str(uuid.uuid4()),
        "code": household.card_code,
        "action": "received",
        "device_time": timezone.now().isoformat(),
        "photo": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
    }
    result = api.post(
        "/payouts/answers/bulk", {"scans": [item]}, headers=bearer(workshop.lead)
    ).json()["results"][0]
    assert result["status"] == "created", result
    answer = payment_of(household).answer
    assert answer.via == PaymentAnswer.Via.SLIP
    assert answer.slip.name.endswith(".jpg")


def test_resolve_api_answers_409_when_nothing_is_disputed(api, operator, workshop):
    _period, (household,) = make_paid_period(operator, workshop, pieces=(10,))
    response = api.post(
        f"/payouts/payments/{payment_of(household).pk}/resolve",
        {"resolution": "ok"},
        headers=bearer(operator),
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "payment_not_disputed"
