"""Writes for payouts, by what they change:

- ``periods``: a period's life (create, compute, mark paid) as guarded transitions;
- ``approval``: computed → approving → approved in resumable steps, in the background;
- ``ledger`` and ``statements``: what approving and paying write, inside those steps
  (and a statement's link replaced when its paper slip is lost);
- ``totals``: what a period and each household in it add up to;
- ``adjustments``: a household's bonus or deduction in an open period;
- ``shares``: a workshop's lead and service-center cuts;
- ``currency``: payouts abroad: the rates locked on a period, each household's net converted.
- ``payments``: each household's payment of a paid period, its answer, and disputes.
- ``advances``: advances paid to households, and orders' premium rules.

Import from here (``from payouts.services import period_approve``); the modules are the layout.
The compute limits (``SYNC_COMPUTE_LIMIT``, ``STALE_COMPUTE_AFTER``) stay in ``periods``, where
they are read: a copy here would be a second value that patching or tuning could miss.
"""

from .adjustments import (
    AdjustmentAmountInvalid,
    AdjustmentCorrectsInvalid,
    AdjustmentHouseholdOutOfScope,
    AdjustmentMakesTotalNegative,
    AdjustmentReasonRequired,
    adjustment_create,
    household_in_period_scope,
)
from .advances import (
    AdvanceAmountInvalid,
    AdvancePaidAtInvalid,
    AdvanceReasonRequired,
    PremiumRuleInvalid,
    advance_create,
    premium_rule_set,
)
from .approval import period_approve, period_approve_request, period_approve_run
from .currency import (
    RateInvalid,
    RateMissing,
    RatesFileInvalid,
    period_currencies_needed,
    period_rate_set,
    period_rates_load,
)
from .payments import (
    AnswerResult,
    PaymentAnswerKeyReused,
    PaymentMethodInvalid,
    PaymentNotDisputed,
    PaymentNotFound,
    PaymentNothingToAnswer,
    PaymentResolutionRequired,
    PaymentSlipRequired,
    payment_answer_record,
    payment_dispute_resolve,
    payments_record,
)
from .periods import (
    PaymentReferenceRequired,
    PeriodEmpty,
    PeriodLocked,
    PeriodNegativeTotals,
    PeriodNotApproved,
    PeriodNotComputable,
    PeriodNotComputed,
    PeriodNotFound,
    PeriodOverlaps,
    PeriodRangeInvalid,
    PeriodScopeInvalid,
    period_compute,
    period_compute_give_up,
    period_compute_request,
    period_compute_run,
    period_create,
    period_mark_paid,
    period_open,
)
from .shares import ShareInvalid, share_config_set
from .statements import StatementReissueReasonRequired, statement_link_reissue
from .totals import household_period_total

__all__ = [
    "AdjustmentAmountInvalid",
    "AdjustmentCorrectsInvalid",
    "AdjustmentHouseholdOutOfScope",
    "AdjustmentMakesTotalNegative",
    "AdjustmentReasonRequired",
    "AdvanceAmountInvalid",
    "AdvancePaidAtInvalid",
    "AdvanceReasonRequired",
    "AnswerResult",
    "PaymentAnswerKeyReused",
    "PaymentMethodInvalid",
    "PaymentNotDisputed",
    "PaymentNotFound",
    "PaymentNothingToAnswer",
    "PaymentReferenceRequired",
    "PaymentResolutionRequired",
    "PaymentSlipRequired",
    "PeriodEmpty",
    "PeriodLocked",
    "PeriodNegativeTotals",
    "PeriodNotApproved",
    "PeriodNotComputable",
    "PeriodNotComputed",
    "PeriodNotFound",
    "PeriodOverlaps",
    "PeriodRangeInvalid",
    "PeriodScopeInvalid",
    "PremiumRuleInvalid",
    "RateInvalid",
    "RateMissing",
    "RatesFileInvalid",
    "ShareInvalid",
    "StatementReissueReasonRequired",
    "adjustment_create",
    "advance_create",
    "household_in_period_scope",
    "household_period_total",
    "payment_answer_record",
    "payment_dispute_resolve",
    "payments_record",
    "period_approve",
    "period_approve_request",
    "period_approve_run",
    "period_compute",
    "period_compute_give_up",
    "period_compute_request",
    "period_compute_run",
    "period_create",
    "period_currencies_needed",
    "period_mark_paid",
    "period_open",
    "period_rate_set",
    "period_rates_load",
    "premium_rule_set",
    "share_config_set",
    "statement_link_reissue",
]
