"""Reads for payouts, scoped to the viewer: operators see every period; a lead sees the lines of
its own workshop only; a household sees its own statement through its token, nothing else.

By subject (import them from here, not from the submodules):

- ``periods``: listing and getting periods, an operator's period page (totals per workshop,
  household count, adjustments);
- ``lines``: a period's household lines, searchable;
- ``reconciliation``: per order, accepted pieces against the money of pools and lines;
- ``exports``: the bank transfer rows of an approved period;
- ``statements``: households' statements by token, and a period's list of them;
- ``impact``: locked money per province and month, fees settled per order;
- ``merchant``: a merchant's statement of an approved period;
- ``currency``: payouts abroad: a period's rates and converted pools, a household's conversion;
- ``balance``: a household's settled money at a glance (the SMS ``余额`` reply);
- ``payments``: households' payments, the overdue unconfirmed ones and open disputes;
- ``extras``: advances and premiums (a household's, the outstanding ones, their reconciliation);
- ``figures``: a period's page figures, kept at approval for a locked period.
- ``_common``: the shorthands and the period-not-found error the others share.
"""

from ._common import LOCKED_STATUSES, PeriodNotFound, Role, Status
from .balance import HouseholdBalance, household_balance
from .currency import (
    CurrencySummary,
    conversions_by_household,
    household_conversion,
    period_currency_summary,
)
from .exports import PeriodNotExportable, TransferRow, transfer_rows
from .extras import (
    AdvanceView,
    HouseholdExtras,
    advance_get,
    advance_list,
    extras_reconciliation,
    household_extras,
    period_household_extras,
)
from .figures import period_figures, period_figures_compute
from .impact import EarningsByRegionMonth, PayoutImpact, fees_settled_by_order
from .lines import LINE_KEYS, line_list
from .merchant import (
    MerchantRequired,
    MerchantStatement,
    MerchantStatementRow,
    merchant_period_list,
    merchant_statement_get,
)
from .payments import (
    household_payment_list,
    payment_attention_count,
    payment_dispute_list,
    payment_slip_by_file,
    payment_slip_visible,
    payment_unconfirmed_list,
    period_payment_counts,
    statement_payment,
)
from .periods import (
    adjustment_list,
    period_detail,
    period_get,
    period_household,
    period_household_count,
    period_list,
    period_workshop_totals,
)
from .reconciliation import ReconciliationRow, period_reconciliation
from .statements import (
    StatementDetail,
    StatementLine,
    StatementNotFound,
    statement_get,
    statement_list,
    statement_tokens,
    statement_url,
)

__all__ = [
    "LINE_KEYS",
    "LOCKED_STATUSES",
    "AdvanceView",
    "CurrencySummary",
    "EarningsByRegionMonth",
    "HouseholdBalance",
    "HouseholdExtras",
    "MerchantRequired",
    "MerchantStatement",
    "MerchantStatementRow",
    "PayoutImpact",
    "PeriodNotExportable",
    "PeriodNotFound",
    "ReconciliationRow",
    "Role",
    "StatementDetail",
    "StatementLine",
    "StatementNotFound",
    "Status",
    "TransferRow",
    "adjustment_list",
    "advance_get",
    "advance_list",
    "conversions_by_household",
    "extras_reconciliation",
    "fees_settled_by_order",
    "household_balance",
    "household_conversion",
    "household_extras",
    "household_payment_list",
    "line_list",
    "merchant_period_list",
    "merchant_statement_get",
    "payment_attention_count",
    "payment_dispute_list",
    "payment_slip_by_file",
    "payment_slip_visible",
    "payment_unconfirmed_list",
    "period_currency_summary",
    "period_detail",
    "period_figures",
    "period_figures_compute",
    "period_get",
    "period_household",
    "period_household_count",
    "period_household_extras",
    "period_list",
    "period_payment_counts",
    "period_reconciliation",
    "period_workshop_totals",
    "statement_get",
    "statement_list",
    "statement_payment",
    "statement_tokens",
    "statement_url",
    "transfer_rows",
]
