from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("货批与质检")

    def ready(self) -> None:
        from orders.readers import material_lots_reader_register, packed_pieces_reader_register
        from orders.selectors import accepted_pieces_reader_register

        from .selectors import (
            accepted_pieces_by_order,
            material_lots_for_batch,
            packed_pieces_by_household,
        )

        # Orders cannot import quality: an order's progress shows the pieces quality accepted,
        # a return correction never goes below what is packed, and the lead's batch page shows
        # the material lots sent for it.
        accepted_pieces_reader_register(accepted_pieces_by_order)
        packed_pieces_reader_register(packed_pieces_by_household)
        material_lots_reader_register(material_lots_for_batch)
