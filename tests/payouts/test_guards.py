# ruff: noqa: S608 - raw SQL past the ORM is the point; table names come from the models
"""The database itself refuses to rewrite money: raw SQL, on SQLite and on PostgreSQL.

Each test writes past the ORM and the services, as a bug, a script or a console would, and
asserts both the refusal and that the row is unchanged.
"""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from payouts.models import (
    LedgerEntry,
    PayoutAdjustment,
    PayoutClaim,
    PayoutLine,
    PayoutPeriod,
    PayoutPool,
)
from payouts.services import (
    adjustment_create,
    period_approve,
    period_compute,
    period_create,
    period_mark_paid,
)

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def raw(sql: str, params=()) -> None:
    """Run ``sql`` in a savepoint, so that a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@pytest.fixture
def approved_period(operator, computed_period):
    household = computed_period.households_list[0]
    adjustment_create(
        actor=operator,
        period_id=computed_period.pk,
        household_id=household.pk,
        kind="bonus",
        amount="1.00",
        reason="按时交货",
    )
    period = period_compute(period_id=computed_period.pk, actor=operator)
    return period_approve(period_id=period.pk, actor=operator)


# --- the ledger ------------------------------------------------------------------------------


def test_raw_update_of_a_ledger_entry_is_refused(approved_period):
    entry = LedgerEntry.objects.filter(period=approved_period).first()
    with pytest.raises(IntegrityError, match="append-only"):
        raw(f"UPDATE {table(LedgerEntry)} SET amount_fen = 1 WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.amount_fen != 1


def test_raw_delete_of_a_ledger_entry_is_refused(approved_period):
    count = LedgerEntry.objects.filter(period=approved_period).count()
    with pytest.raises(IntegrityError, match="append-only"):
        raw(f"DELETE FROM {table(LedgerEntry)} WHERE period_id = %s", [approved_period.pk])
    assert LedgerEntry.objects.filter(period=approved_period).count() == count > 0


# --- pools and lines of a locked period ------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (PayoutPool, "gross_fen = gross_fen + 100, households_fen = households_fen + 100"),
        (PayoutLine, "amount_fen = amount_fen + 100, gross_fen = gross_fen + 100"),
        (PayoutAdjustment, "amount_fen = amount_fen + 100"),
    ],
    ids=["pool", "line", "adjustment"],
)
@pytest.mark.parametrize("paid", [False, True], ids=["approved", "paid"])
def test_raw_update_and_delete_in_a_locked_period_are_refused(
    operator, approved_period, model, change, paid
):
    if paid:
        period_mark_paid(period_id=approved_period.pk, actor=operator, payment_reference="WX-1")
    rows = (
        model.objects.filter(pool__period=approved_period)
        if model is PayoutLine
        else model.objects.filter(period=approved_period)
    )
    money = "gross_fen" if model is PayoutPool else "amount_fen"
    before = sorted(rows.values_list("pk", money))
    assert before
    ids = ", ".join(str(pk) for pk, _amount in before)
    with pytest.raises(IntegrityError, match="locked"):
        raw(f"UPDATE {table(model)} SET {change} WHERE id IN ({ids})")
    with pytest.raises(IntegrityError, match="locked"):
        raw(f"DELETE FROM {table(model)} WHERE id IN ({ids})")
    assert sorted(rows.values_list("pk", money)) == before


def test_nothing_is_inserted_into_a_locked_period(approved_period, workshop):
    pool = PayoutPool.objects.filter(period=approved_period).first()
    (newcomer,) = make_households(workshop, 1)
    with pytest.raises(IntegrityError, match="locked"):
        raw(
            f"INSERT INTO {table(PayoutLine)} "
            "(pool_id, household_id, pieces, rework_pieces, gross_fen, amount_fen) "
            "VALUES (%s, %s, 1000, 0, 35000, 35000)",
            [pool.pk, newcomer.pk],
        )
    assert not PayoutLine.objects.filter(household=newcomer).exists()
    other_order = make_order()
    with pytest.raises(IntegrityError, match="locked"):
        raw(
            f"INSERT INTO {table(PayoutPool)} (period_id, workshop_id, order_id, merchant_id, fee,"
            " rework_fee, pieces, rework_pieces, gross_fen, households_fen, lead_fen, center_fen,"
            " lead_kind, lead_value, center_kind, center_value)"
            " SELECT period_id, workshop_id, %s, merchant_id, fee, rework_fee, pieces,"
            " rework_pieces, gross_fen, households_fen, lead_fen, center_fen, lead_kind,"
            " lead_value, center_kind, center_value"
            f" FROM {table(PayoutPool)} WHERE id = %s",
            [other_order.pk, pool.pk],
        )
    assert not PayoutPool.objects.filter(order=other_order).exists()


def test_a_claim_of_a_locked_period_cannot_be_released(approved_period):
    """Deleting a claim would let the next period pay the same pieces again."""
    claims = PayoutClaim.objects.filter(period=approved_period).count()
    assert claims
    with pytest.raises(IntegrityError, match="locked"):
        raw(f"DELETE FROM {table(PayoutClaim)} WHERE period_id = %s", [approved_period.pk])
    assert PayoutClaim.objects.filter(period=approved_period).count() == claims


# --- the period row itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "gross_fen = gross_fen + 100",
        "households_fen = 0, lead_fen = lead_fen + households_fen",
        "status = 'computed'",
        "ends_on = '2026-04-30'",
        "approved_at = NULL",
    ],
)
def test_an_approved_period_cannot_be_rewritten(approved_period, change):
    before = PayoutPeriod.objects.filter(pk=approved_period.pk).values().get()
    with pytest.raises(IntegrityError, match="locked"):
        raw(f"UPDATE {table(PayoutPeriod)} SET {change} WHERE id = %s", [approved_period.pk])
    with pytest.raises(IntegrityError, match="locked"):
        raw(f"DELETE FROM {table(PayoutPeriod)} WHERE id = %s", [approved_period.pk])
    assert PayoutPeriod.objects.filter(pk=approved_period.pk).values().get() == before


def test_a_paid_period_cannot_change_its_payment(operator, approved_period):
    period_mark_paid(period_id=approved_period.pk, actor=operator, payment_reference="WX-1")
    with pytest.raises(IntegrityError, match="locked"):
        raw(
            f"UPDATE {table(PayoutPeriod)} SET payment_reference = 'WX-2' WHERE id = %s",
            [approved_period.pk],
        )
    assert PayoutPeriod.objects.get(pk=approved_period.pk).payment_reference == "WX-1"


# --- what the services do stays allowed --------------------------------------------------------


def test_a_draft_is_recomputed_freely_and_the_whole_life_of_a_period_passes(operator, workshop):
    households = make_households(workshop, 2)
    order = make_order(fee="0.5000")
    for household in households:
        make_outcome(household, order, accepted=10)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    period_compute(period_id=period.pk, actor=operator)  # releases and rewrites pools and lines
    raw(f"UPDATE {table(PayoutPool)} SET lead_kind = lead_kind WHERE period_id = %s", [period.pk])
    period_approve(period_id=period.pk, actor=operator)
    period_mark_paid(period_id=period.pk, actor=operator, payment_reference="WX-9")
    period = PayoutPeriod.objects.get(pk=period.pk)
    assert (period.status, period.gross_fen, period.payment_reference) == ("paid", 1000, "WX-9")
    assert PayoutLine.objects.filter(pool__period=period).count() == 2


def _guard_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall() if name.startswith("guard_")}


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_guarded_tables_and_keeps_the_guards(approved_period):
    """SQLite's flush deletes rows: the guard triggers are set aside for it and put back."""
    guards = _guard_triggers()
    assert {"guard_payouts_ledger_delete", "guard_quality_outcome_delete"} <= guards or (
        connection.vendor == "postgresql" and "guard_payouts_ledger_append_only" in guards
    )
    call_command("flush", interactive=False, verbosity=0)
    assert not LedgerEntry.objects.exists()
    assert not PayoutPeriod.objects.exists()
    assert _guard_triggers() == guards
