"""The orders app's pages, by who uses them: ``work`` (workshop leads), ``shop`` (merchants)."""

from .shop import (
    fair_pay,
    order_batches_cancel_page,
    order_cancel_draft,
    order_edit,
    order_list,
    order_new,
    order_publish_draft,
    progress_bar,
)
from .work import (
    batch_detail,
    batch_finish,
    batch_start,
    claim,
    my_batches,
    open_batches,
    ticket_correct,
    ticket_new,
    ticket_return,
)

__all__ = [
    "batch_detail",
    "batch_finish",
    "batch_start",
    "claim",
    "fair_pay",
    "my_batches",
    "open_batches",
    "order_batches_cancel_page",
    "order_cancel_draft",
    "order_edit",
    "order_list",
    "order_new",
    "order_publish_draft",
    "progress_bar",
    "ticket_correct",
    "ticket_new",
    "ticket_return",
]
