from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("货批与质检")

    def ready(self) -> None:
        from orders.selectors import accepted_pieces_reader_register
        from orders.services import batch_settler_register

        from .accounting import quality_figures_by_order
        from .services.delivery import batch_settle_if_accounted

        # An order shows the pieces quality accepted, rejected, reworked and its first-pass
        # yield; a batch marked returned may settle at once. Orders cannot import quality.
        accepted_pieces_reader_register(quality_figures_by_order)
        batch_settler_register(batch_settle_if_accounted)
