# ruff: noqa: S608 - raw SQL past the ORM is the point; table names come from the models
"""A locked period's premiums and advance recoveries are refused by the database itself."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from payouts.models import AdvanceRecovery, PayoutPremium
from payouts.services import (
    advance_create,
    period_approve,
    period_compute,
    period_create,
    premium_rule_set,
)

from .factories import at, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@pytest.fixture
def locked(operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order(fee="1.0000")
    premium_rule_set(
        actor=operator, order_id=order.pk, first_pass_per_piece="0.1", on_time_per_piece="0.1"
    )
    make_outcome(household, order, accepted=10)
    advance_create(
        actor=operator, household_id=household.pk, amount="3", reason="预支", paid_at=at()
    )
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    return period_approve(period_id=period.pk, actor=operator)


@pytest.mark.parametrize("model", [PayoutPremium, AdvanceRecovery])
def test_update_and_delete_of_a_locked_periods_extras_are_refused(locked, model):
    before = list(model.objects.filter(period=locked).values_list("pk", "amount_fen"))
    assert before
    with pytest.raises(IntegrityError):
        raw(
            f"UPDATE {table(model)} SET amount_fen = amount_fen + 1 WHERE period_id = %s",
            [locked.pk],
        )
    with pytest.raises(IntegrityError):
        raw(f"DELETE FROM {table(model)} WHERE period_id = %s", [locked.pk])
    assert list(model.objects.filter(period=locked).values_list("pk", "amount_fen")) == before


def test_no_recovery_is_inserted_into_a_locked_period(locked):
    recovery = AdvanceRecovery.objects.get(period=locked)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdvanceRecovery.objects.create(
            period=locked,
            advance=recovery.advance,
            household_id=recovery.household_id,
            amount_fen=1,
        )
    assert AdvanceRecovery.objects.filter(period=locked).count() == 1
