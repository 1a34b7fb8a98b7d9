import pytest
from django.db import transaction

from payouts.models import LedgerEntry
from payouts.services import period_approve, period_mark_paid

pytestmark = pytest.mark.django_db


def test_ledger_balances_charges_payables_and_payments(operator, computed_period):
    period_approve(period_id=computed_period.pk, actor=operator)
    period_mark_paid(period_id=computed_period.pk, actor=operator, payment_reference="WX-1")
    entries = LedgerEntry.objects.filter(period=computed_period)
    charge = sum(e.amount_fen for e in entries.filter(kind="merchant_charge"))
    payable = sum(e.amount_fen for e in entries if e.kind.endswith("_payable"))
    paid = sum(e.amount_fen for e in entries if e.kind.endswith("_payment"))
    assert charge == payable == -paid == computed_period.gross_fen == 5145


def test_ledger_entries_cannot_be_updated(operator, computed_period):
    period_approve(period_id=computed_period.pk, actor=operator)
    entry = LedgerEntry.objects.filter(period=computed_period).first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_fen=1)
    entry.refresh_from_db()
    assert entry.amount_fen != 1


def test_ledger_entries_cannot_be_deleted(operator, computed_period):
    period_approve(period_id=computed_period.pk, actor=operator)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(period=computed_period).delete()
    assert LedgerEntry.objects.filter(period=computed_period).exists()
