"""Writes for quality, by subject (import them from here, not from the submodules):

- ``lots``: packing material and finished lots; what a material lot's arrival starts, and the
  scan exceptions when it cannot (resolved by an operator);
- ``inspections``: sampling inspections, their verdicts and dispositions, piece outcomes,
  inspection photos;
- ``switching``: the switching rules (normal, reduced, tightened, stopped);
- ``label_sheets``: PDF sheets of lot labels;
- ``delivery``: goods received (a merchant's receipt of a finished lot) and a batch settling
  (inspected, closed, the order completed) once every piece is accounted for;
- ``losses``: pieces of a batch lost outside a ticket, with a reason.

Each submodule's docstring states the rules it keeps. Custody scans live in
``quality/scans.py`` (their own idempotency and bulk machinery).
"""

from .delivery import batch_settle_if_accounted, lot_receive
from .inspections import (
    STAGE_RANK,
    DefectIn,
    NextPlan,
    inspection_dispose,
    inspection_photo_add,
    lot_inspect,
    lot_plan,
    next_lot_plan,
)
from .label_sheets import label_content, label_sheet_build, label_sheet_create
from .losses import piece_loss_record
from .lots import (
    FINISHED_BATCH_STATUSES,
    MATERIAL_BATCH_STATUSES,
    ResolutionNoteRequired,
    ScanExceptionResolved,
    lot_create,
    material_lots_received,
    scan_exception_resolve,
)
from .switching import switching_approve_reduced, switching_resume

__all__ = [
    "FINISHED_BATCH_STATUSES",
    "MATERIAL_BATCH_STATUSES",
    "STAGE_RANK",
    "DefectIn",
    "NextPlan",
    "ResolutionNoteRequired",
    "ScanExceptionResolved",
    "batch_settle_if_accounted",
    "inspection_dispose",
    "inspection_photo_add",
    "label_content",
    "label_sheet_build",
    "label_sheet_create",
    "lot_create",
    "lot_inspect",
    "lot_plan",
    "lot_receive",
    "material_lots_received",
    "next_lot_plan",
    "piece_loss_record",
    "scan_exception_resolve",
    "switching_approve_reduced",
    "switching_resume",
]
