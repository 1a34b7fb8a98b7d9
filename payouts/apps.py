from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "payouts"
    verbose_name = _("加工费结算")

    def ready(self) -> None:
        from jobs.registry import job_kind_register

        from .services.approval import APPROVE_JOB
        from .services.periods import COMPUTE_JOB, period_compute_give_up

        # A compute given up by the jobs reaper goes back to draft; an approval stays
        # approving (its ledger rows stay) and is retried from the period's page.
        job_kind_register(COMPUTE_JOB, on_give_up=period_compute_give_up)
        job_kind_register(APPROVE_JOB)

        from quality.accounting import fees_paid_reader_register

        from .selectors import fees_settled_by_order

        # An order's completion summary (quality) shows the fees settled; quality cannot
        # import payouts.
        fees_paid_reader_register(fees_settled_by_order)
