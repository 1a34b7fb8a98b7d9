"""The transfer file of an approved (or paid) period: one row per household; accounts in full
for an operator (the file goes to the bank), masked for a lead, who gets its own households.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import is_operator
from core.errors import Conflict
from workshops.models import Household, mask_account, mask_phone

from ..models import AdvanceRecovery, PayoutAdjustment, PayoutPeriod, PayoutPremium
from ._common import Status
from .currency import conversions_by_household
from .lines import line_list
from .periods import period_get


class PeriodNotExportable(Conflict):
    code = "payout_period_not_approved"
    message = _("结算期尚未审核，不能导出。")


@dataclass
class TransferRow:
    """One household's money in a period: one bank or wallet transfer."""

    household_id: int
    name: str
    account_name: str
    account: str
    phone: str
    workshop: str
    pieces: int
    earned_fen: int
    bonus_fen: int
    deduction_fen: int
    currency: str = "CNY"
    amount_minor: int | None = None  # the total in ``currency`` when paid abroad
    premium_fen: int = 0  # premiums by rule (first inspection, on time)
    recovery_fen: int = 0  # advances recovered

    @property
    def total_fen(self) -> int:
        return (
            self.earned_fen
            + self.bonus_fen
            - self.deduction_fen
            + self.premium_fen
            - self.recovery_fen
        )


def transfer_rows(*, viewer: User, period_id: int) -> tuple[PayoutPeriod, list[TransferRow]]:
    """Rows of the transfer file of an approved (or paid) period.

    Payment accounts are in full only for an operator (the file goes to the bank); a lead gets
    its own workshop's households with accounts masked.
    """
    period = period_get(viewer=viewer, period_id=period_id)
    if period.status not in {Status.APPROVED, Status.PAID}:
        raise PeriodNotExportable(detail={"period_id": period_id, "status": period.status})
    lines = line_list(viewer=viewer, period_id=period_id)
    earned: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    workshop_name: dict[int, str] = {}
    for household_id, workshop, pieces, amount in lines.values_list(
        "household_id", "pool__workshop__organisation__name", "pieces", "amount_fen"
    ).order_by():
        earned[household_id][0] += pieces
        earned[household_id][1] += amount
        workshop_name.setdefault(household_id, workshop)
    rework = dict(
        lines.values("household_id")
        .annotate(total=Sum("rework_pieces"))
        .values_list("household_id", "total")
        .order_by()
    )
    adjustments: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    adjustment_rows = PayoutAdjustment.objects.filter(period=period)
    if not is_operator(viewer):
        adjustment_rows = adjustment_rows.filter(
            household__workshop__organisation=viewer.organisation
        )
    for adjustment in adjustment_rows:
        slot = 0 if adjustment.kind == PayoutAdjustment.Kind.BONUS else 1
        adjustments[adjustment.household_id][slot] += adjustment.amount_fen
    extras: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for slot, model in ((0, PayoutPremium), (1, AdvanceRecovery)):
        rows_of_model = model.objects.filter(period=period)
        if not is_operator(viewer):
            rows_of_model = rows_of_model.filter(
                household__workshop__organisation=viewer.organisation
            )
        for household_id, total in (
            rows_of_model.values("household_id")
            .annotate(total=Sum("amount_fen"))
            .values_list("household_id", "total")
            .order_by()
        ):
            extras[household_id][slot] += total
    household_ids = sorted(set(earned) | set(adjustments))
    households = Household.objects.select_related("workshop__organisation").in_bulk(household_ids)
    full = is_operator(viewer)
    converted = conversions_by_household(period.pk)
    rows = []
    for household_id in household_ids:
        household = households[household_id]
        pieces, amount = earned.get(household_id, (0, 0))
        bonus, deduction = adjustments.get(household_id, (0, 0))
        rows.append(
            TransferRow(
                household_id=household_id,
                name=household.name,
                account_name=household.payment_account_name or household.name,
                account=household.payment_account
                if full
                else mask_account(household.payment_account),
                phone=household.phone if full else mask_phone(household.phone),
                workshop=workshop_name.get(household_id, household.workshop.name),
                pieces=pieces + rework.get(household_id, 0),
                earned_fen=amount,
                bonus_fen=bonus,
                deduction_fen=deduction,
                **(
                    {
                        "currency": converted[household_id].currency,
                        "amount_minor": converted[household_id].amount_minor,
                    }
                    if household_id in converted
                    else {}
                ),
                premium_fen=extras[household_id][0] if household_id in extras else 0,
                recovery_fen=extras[household_id][1] if household_id in extras else 0,
            )
        )
    return period, rows
