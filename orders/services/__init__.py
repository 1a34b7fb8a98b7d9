"""Writes for orders and batches, by subject (import them from here, not from the submodules):

- ``batches``: the state machine ``batch_transition`` (every batch status change goes through
  it), starting production, marking a batch returned;
- ``orders``: drafting, editing, publishing (split into batches, fair-pay check), cancelling,
  sample photos; the minimum wage table ``minimum_wage_record``;
- ``claims``: claiming, releasing, claim expiry, telling fitting leads of a published order;
- ``tickets``: pieces issued to households and handed back, corrections of a hand-back.

Each submodule's docstring states the rules it keeps.
"""

from .batches import (
    BatchNotFound,
    BatchTransitionRefused,
    MaterialsArrival,
    batch_mark_returned,
    batch_materials_arrived,
    batch_start_production,
    batch_transition,
)
from .claims import (
    batch_claim,
    batch_claims_expire,
    batch_release,
    claim_ttl,
    claim_warning_lead,
    order_published_notify_leads,
)
from .orders import (
    EDITABLE_FIELDS,
    MAX_BATCHES,
    MAX_FEE,
    MAX_PHOTOS,
    MAX_QUANTITY,
    STANDARD_AQLS,
    OrderCancellation,
    minimum_wage_record,
    order_cancel,
    order_create,
    order_photo_add,
    order_publish,
    order_update,
    split_quantity,
)
from .tickets import ticket_issue, ticket_return_correct, ticket_return_record

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_BATCHES",
    "MAX_FEE",
    "MAX_PHOTOS",
    "MAX_QUANTITY",
    "STANDARD_AQLS",
    "BatchNotFound",
    "BatchTransitionRefused",
    "MaterialsArrival",
    "OrderCancellation",
    "batch_claim",
    "batch_claims_expire",
    "batch_mark_returned",
    "batch_materials_arrived",
    "batch_release",
    "batch_start_production",
    "batch_transition",
    "claim_ttl",
    "claim_warning_lead",
    "minimum_wage_record",
    "order_cancel",
    "order_create",
    "order_photo_add",
    "order_publish",
    "order_published_notify_leads",
    "order_update",
    "split_quantity",
    "ticket_issue",
    "ticket_return_correct",
    "ticket_return_record",
]
