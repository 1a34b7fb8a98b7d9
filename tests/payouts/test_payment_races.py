"""Races on PostgreSQL with real threads: two answers for one payment, one wins it; the same
key sent twice at once records one answer."""

import uuid

import pytest
from django.db import connection

from payouts.models import HouseholdPayment, PaymentAnswer
from payouts.services import PaymentNothingToAnswer, payment_answer_record
from tests.factories import make_user

from .payment_factories import make_paid_period, payment_of
from .test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers)")


def test_received_and_not_received_racing_one_answer_wins(needs_postgres, workshop):
    from accounts.models import User

    _period, (household,) = make_paid_period(make_user(User.Role.OPERATOR), workshop, pieces=(10,))
    results = run_together(
        lambda: payment_answer_record(
            household_id=household.pk, answer="received", via="passbook", key=uuid.uuid4()
        ),
        lambda: payment_answer_record(
            household_id=household.pk, answer="not_received", via="passbook", key=uuid.uuid4()
        ),
    )
    refused = [r for r in results if isinstance(r, PaymentNothingToAnswer)]
    assert len(refused) == 1, results
    assert PaymentAnswer.objects.count() == 1
    payment = payment_of(household)
    assert payment.answer_id == PaymentAnswer.objects.get().pk
    assert payment.status in {HouseholdPayment.Status.CONFIRMED, HouseholdPayment.Status.DISPUTED}


def test_the_same_key_twice_at_once_records_one_answer(needs_postgres, workshop):
    from accounts.models import User

    _period, (household,) = make_paid_period(make_user(User.Role.OPERATOR), workshop, pieces=(10,))
    key = uuid.uuid4()

    def answer():
        return payment_answer_record(
            household_id=household.pk, answer="received", via="passbook", key=key
        )

    results = run_together(answer, answer)
    assert sorted(r.created for r in results) == [False, True], results
    assert PaymentAnswer.objects.count() == 1
    assert payment_of(household).status == HouseholdPayment.Status.CONFIRMED
