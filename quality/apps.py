from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("货批与质检")

    def ready(self) -> None:
        from orders.readers import material_lots_reader_register, packed_pieces_reader_register
        from orders.selectors import accepted_pieces_reader_register
        from orders.services import batch_settler_register

        from .accounting import quality_figures_by_order
        from .selectors import material_lots_for_batch, packed_pieces_by_household
        from .services.delivery import batch_settle_if_accounted

        # Orders cannot import quality: an order shows the pieces quality accepted, rejected,
        # reworked and its first-pass yield; a batch marked returned may settle at once; a
        # return correction never goes below what is packed; and the lead's batch page shows
        # the material lots sent for it.
        accepted_pieces_reader_register(quality_figures_by_order)
        batch_settler_register(batch_settle_if_accounted)
        packed_pieces_reader_register(packed_pieces_by_household)
        material_lots_reader_register(material_lots_for_batch)
