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
- ``figures``: a period's page figures, kept at approval for a locked period.
- ``_common``: the shorthands and the period-not-found error the others share.
"""

from ._common import LOCKED_STATUSES, PeriodNotFound, Role, Status
from .exports import PeriodNotExportable, TransferRow, transfer_rows
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
    "EarningsByRegionMonth",
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
    "fees_settled_by_order",
    "line_list",
    "merchant_period_list",
    "merchant_statement_get",
    "period_detail",
    "period_figures",
    "period_figures_compute",
    "period_get",
    "period_household",
    "period_household_count",
    "period_list",
    "period_reconciliation",
    "period_workshop_totals",
    "statement_get",
    "statement_list",
    "statement_tokens",
    "statement_url",
    "transfer_rows",
]
