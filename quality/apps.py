from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("货批与质检")

    def ready(self) -> None:
        from orders.selectors import accepted_pieces_reader_register

        from .selectors import accepted_pieces_by_order

        # An order's progress shows the pieces quality accepted; orders cannot import quality.
        accepted_pieces_reader_register(accepted_pieces_by_order)
