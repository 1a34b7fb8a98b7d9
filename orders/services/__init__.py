"""Writes for orders and batches, by subject (import them from here, not from the submodules):

- ``batches``: the state machine ``batch_transition`` (every batch status change goes through
  it), starting production, marking a batch returned;
- ``orders``: drafting, editing, publishing (split into batches, fair-pay check), cancelling,
  sample photos; the minimum wage table ``minimum_wage_record``;
- ``claims``: claiming, releasing, claim expiry, telling fitting leads of a published order;
- ``pending_photos``: a sample photo kept between two posts of the order form;
- ``tickets``: pieces issued to households and handed back, corrections of a hand-back;
- ``card_work``: the same by scanning a household's card, and the phone's offline queue of it;
- ``completion``: closing a batch and completing an order, by rule (quality decides when).

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
from .card_work import ticket_issue_by_card, ticket_return_by_card
from .claims import (
    batch_claim,
    batch_claims_expire,
    batch_release,
    claim_ttl,
    claim_warning_lead,
    order_published_notify_leads,
)
from .completion import (
    DONE_BATCH_STATUSES,
    batch_close,
    batch_settle,
    batch_settler_register,
    order_complete_if_done,
)
from .orders import (
    EDITABLE_FIELDS,
    MAX_BATCHES,
    MAX_FEE,
    MAX_PHOTOS,
    MAX_QUANTITY,
    STANDARD_AQLS,
    BatchesCancellation,
    OrderCancellation,
    minimum_wage_record,
    order_batches_cancel,
    order_cancel,
    order_create,
    order_photo_add,
    order_publish,
    order_update,
    split_quantity,
)
from .pending_photos import order_photo_add_pending, pending_photo_keep, pending_photos_purge
from .tickets import ticket_issue, ticket_return_correct, ticket_return_record

__all__ = [
    "DONE_BATCH_STATUSES",
    "EDITABLE_FIELDS",
    "MAX_BATCHES",
    "MAX_FEE",
    "MAX_PHOTOS",
    "MAX_QUANTITY",
    "STANDARD_AQLS",
    "BatchNotFound",
    "BatchTransitionRefused",
    "BatchesCancellation",
    "MaterialsArrival",
    "OrderCancellation",
    "batch_claim",
    "batch_claims_expire",
    "batch_close",
    "batch_mark_returned",
    "batch_materials_arrived",
    "batch_release",
    "batch_settle",
    "batch_settler_register",
    "batch_start_production",
    "batch_transition",
    "claim_ttl",
    "claim_warning_lead",
    "minimum_wage_record",
    "order_batches_cancel",
    "order_cancel",
    "order_complete_if_done",
    "order_create",
    "order_photo_add",
    "order_photo_add_pending",
    "order_publish",
    "order_published_notify_leads",
    "order_update",
    "pending_photo_keep",
    "pending_photos_purge",
    "split_quantity",
    "ticket_issue",
    "ticket_issue_by_card",
    "ticket_return_by_card",
    "ticket_return_correct",
    "ticket_return_record",
]
