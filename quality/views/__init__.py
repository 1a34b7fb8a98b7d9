"""quality's pages, by job: ``scan`` (scan page, short links, labels), ``inspect`` (the
checker's lots and inspection form), ``pack`` (a lead packs a finished lot), ``shop`` (the
merchant's order page with where the goods are and what quality found), ``shop_batch`` (the
merchant's batch page: lots, verdicts, timeline), ``materials`` (the merchant packs materials
out, the lead records their arrival), ``receive`` (goods received), ``losses`` (pieces lost)."""

from .inspect import dispose, lot_detail, lots_to_inspect, plan_sentence
from .losses import batch_loss
from .materials import materials_pack, materials_receive
from .pack import pack
from .receive import receive
from .scan import label, lot_open, lot_short_link, scan
from .shop import order_detail, order_quality_charts
from .shop_batch import shop_batch

__all__ = [
    "batch_loss",
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
    "receive",
    "scan",
    "shop_batch",
]
