"""Approval writes exactly the ledger and statements its money rules give: every row checked
against figures computed here, independently, from the period's pools, lines, adjustments,
premiums and recoveries (the rules as approval has always applied them, row by row in Python),
whatever the size of approval's steps."""

from collections import defaultdict
from datetime import date

import pytest

from payouts.models import (
    Advance,
    AdvanceRecovery,
    LedgerEntry,
    PayoutAdjustment,
    PayoutLine,
    PayoutPool,
    PayoutPremium,
    PremiumKind,
    Statement,
)
from payouts.selectors import period_reconciliation
from payouts.services import (
    adjustment_create,
    advance_create,
    period_approve,
    period_compute,
    period_create,
    premium_rule_set,
)
from tests.factories import make_workshop

from .factories import at, make_batch, make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind
FIELDS = (
    "kind",
    "merchant_id",
    "order_id",
    "workshop_id",
    "household_id",
    "service_center_id",
    "adjustment_id",
    "amount_fen",
    "memo",
)


def row(**values) -> tuple:
    return tuple(values.get(name) if name != "memo" else values.get(name, "") for name in FIELDS)


def expected_charges(period) -> list[tuple]:
    pools = list(PayoutPool.objects.filter(period=period))
    rows = []
    by_order: dict[tuple, int] = defaultdict(int)
    for pool in pools:
        by_order[(pool.order_id, pool.merchant_id)] += pool.gross_fen
    for (order_id, merchant_id), total in sorted(by_order.items()):
        rows.append(
            row(
                kind=Kind.MERCHANT_CHARGE,
                merchant_id=merchant_id,
                order_id=order_id,
                amount_fen=total,
            )
        )
    premiums: dict[tuple, int] = defaultdict(int)
    for premium in PayoutPremium.objects.filter(period=period):
        premiums[(premium.order_id, premium.kind, premium.merchant_id)] += premium.amount_fen
    for (order_id, kind, merchant_id), total in sorted(premiums.items()):
        rows.append(
            row(
                kind=Kind.PREMIUM_CHARGE,
                merchant_id=merchant_id,
                order_id=order_id,
                amount_fen=total,
                memo=str(PremiumKind(kind).label),
            )
        )
    for attr, kind, key in (
        ("lead_fen", Kind.LEAD_PAYABLE, "workshop_id"),
        ("center_fen", Kind.CENTER_PAYABLE, "service_center_id"),
    ):
        totals: dict[int, int] = defaultdict(int)
        for pool in pools:
            if getattr(pool, attr) > 0:
                totals[getattr(pool, key)] += getattr(pool, attr)
        rows += [
            row(kind=kind, amount_fen=total, **{key: pk}) for pk, total in sorted(totals.items())
        ]
    return rows


def expected_household_rows(period, households: list[int]) -> list[tuple]:
    """One step's rows: payables per (household, workshop), then adjustments, premiums and
    recoveries each in id order."""
    chosen = set(households)
    payables: dict[tuple, int] = defaultdict(int)
    for line in PayoutLine.objects.filter(pool__period=period).select_related("pool"):
        if line.household_id in chosen:
            payables[(line.household_id, line.pool.workshop_id)] += line.amount_fen
    rows = [
        row(kind=Kind.HOUSEHOLD_PAYABLE, household_id=h, workshop_id=w, amount_fen=total)
        for (h, w), total in sorted(payables.items())
    ]
    for adjustment in PayoutAdjustment.objects.filter(period=period).order_by("pk"):
        if adjustment.household_id in chosen:
            sign = 1 if adjustment.kind == PayoutAdjustment.Kind.BONUS else -1
            rows.append(
                row(
                    kind=Kind.ADJUSTMENT,
                    household_id=adjustment.household_id,
                    adjustment_id=adjustment.pk,
                    amount_fen=sign * adjustment.amount_fen,
                    memo=adjustment.reason[:200],
                )
            )
    for premium in PayoutPremium.objects.filter(period=period).order_by("pk"):
        if premium.household_id in chosen:
            rows.append(
                row(
                    kind=Kind.PREMIUM_PAYABLE,
                    household_id=premium.household_id,
                    workshop_id=premium.workshop_id,
                    order_id=premium.order_id,
                    amount_fen=premium.amount_fen,
                    memo=str(PremiumKind(premium.kind).label),
                )
            )
    for recovery in (
        AdvanceRecovery.objects.filter(period=period).select_related("advance").order_by("pk")
    ):
        if recovery.household_id in chosen:
            rows.append(
                row(
                    kind=Kind.ADVANCE_RECOVERY,
                    household_id=recovery.household_id,
                    workshop_id=recovery.advance.workshop_id,
                    amount_fen=-recovery.amount_fen,
                    memo=f"#{recovery.advance_id} {recovery.advance.reason}"[:200],
                )
            )
    return rows


def expected_totals(period) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for line in PayoutLine.objects.filter(pool__period=period):
        totals[line.household_id] += line.amount_fen
    for adjustment in PayoutAdjustment.objects.filter(period=period):
        totals[adjustment.household_id] += adjustment.signed_fen
    for premium in PayoutPremium.objects.filter(period=period):
        totals[premium.household_id] += premium.amount_fen
    for recovery in AdvanceRecovery.objects.filter(period=period):
        totals[recovery.household_id] -= recovery.amount_fen
    return dict(totals)


@pytest.fixture
def mixed_period(operator):
    """Two workshops, a household working for both, two orders (one with premiums), advances
    recovered whole and in part, a bonus and a deduction: computed, not yet approved."""
    first, second = make_workshop(), make_workshop()
    households = make_households(first, 4) + make_households(second, 2)
    fee, premium = make_order(fee="0.3333"), make_order(fee="1.2345", rework_fee="0.9999")
    premium_rule_set(
        actor=operator, order_id=premium.pk, first_pass_per_piece="0.0125", on_time_per_piece="0"
    )
    for i, household in enumerate(households):
        make_outcome(household, fee, accepted=7 + 13 * i)
        make_outcome(household, premium, accepted=3 + 5 * i, is_rework=i % 2 == 1)
    # the first household also works on a batch of the second workshop
    make_outcome(households[0], fee, accepted=11, batch=make_batch(fee, second))
    advance_create(
        actor=operator, household_id=households[1].pk, amount="2", reason="领料预支", paid_at=at()
    )
    advance_create(
        actor=operator,
        household_id=households[4].pk,
        amount="900",
        reason="预支" * 100,
        paid_at=at(),
    )
    created = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period = period_compute(period_id=created.pk, actor=operator)
    for household, kind, amount in (
        (households[2], "bonus", "3.50"),
        (households[3], "deduction", "0.07"),
        (households[5], "bonus", "1"),
    ):
        adjustment_create(
            actor=operator,
            period_id=period.pk,
            household_id=household.pk,
            kind=kind,
            amount=amount,
            reason=f"{kind} 调整",
        )
    return period


@pytest.mark.parametrize("step", [1, 2, 4, 5000])
def test_approval_writes_exactly_the_golden_ledger_and_statements(
    operator, mixed_period, settings, step
):
    settings.PAYOUT_APPROVE_CHUNK_HOUSEHOLDS = step
    period = mixed_period
    households = sorted(
        set(PayoutLine.objects.filter(pool__period=period).values_list("household_id", flat=True))
        | set(PayoutAdjustment.objects.filter(period=period).values_list("household_id", flat=True))
    )
    expected = expected_charges(period)
    for start in range(0, len(households), step):
        expected += expected_household_rows(period, households[start : start + step])
    totals = expected_totals(period)
    assert AdvanceRecovery.objects.filter(period=period).count() == 2  # both recovered from

    approved = period_approve(period_id=period.pk, actor=operator)

    entries = LedgerEntry.objects.filter(period=period).order_by("pk")
    assert [tuple(getattr(e, name) for name in FIELDS) for e in entries] == expected
    assert {(e.created_by_id, e.created_at) for e in entries} == {
        (operator.pk, approved.approved_at)
    }
    statements = Statement.objects.filter(period=period)
    assert {s.household_id: s.total_fen for s in statements} == totals
    assert {s.created_at for s in statements} == {approved.approved_at}
    tokens = {s.token for s in statements}
    assert len(tokens) == len(households) and all(len(t) == 32 for t in tokens)
    # the advance recovered whole is closed by this period; the other one is still open
    closed = dict(Advance.objects.values_list("household_id", "closed_in_id"))
    assert sorted(closed.values(), key=str) == [period.pk, None]
    assert period_reconciliation(period=approved)["balanced"]
