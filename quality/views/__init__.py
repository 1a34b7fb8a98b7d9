"""quality's pages, by job: ``scan`` (scan page, short links, labels), ``inspect`` (the
checker's lots and inspection form), ``pack`` (a lead packs a finished lot), ``materials``
(the merchant packs materials out, the lead records their arrival), ``shop`` (the merchant's
order page with where the goods are and what quality found)."""

from .inspect import dispose, lot_detail, lots_to_inspect, plan_sentence
from .materials import materials_pack, materials_receive
from .pack import pack
from .scan import label, lot_open, lot_short_link, scan
from .shop import order_detail, order_quality_charts

__all__ = [
    "dispose",
    "label",
    "lot_detail",
    "lot_open",
    "lot_short_link",
    "lots_to_inspect",
    "materials_pack",
    "materials_receive",
    "order_detail",
    "order_quality_charts",
    "pack",
    "plan_sentence",
    "scan",
]
