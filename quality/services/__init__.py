"""Writes for quality, by subject (import them from here, not from the submodules):

- ``lots``: packing material and finished lots; production start on a material lot's arrival;
- ``inspections``: sampling inspections, their verdicts and dispositions, piece outcomes,
  inspection photos;
- ``switching``: the switching rules (normal, reduced, tightened, stopped);
- ``label_sheets``: PDF sheets of lot labels.

Each submodule's docstring states the rules it keeps. Custody scans live in
``quality/scans.py`` (their own idempotency and bulk machinery).
"""

from .inspections import (
    STAGE_RANK,
    DefectIn,
    inspection_dispose,
    inspection_photo_add,
    lot_inspect,
    lot_plan,
)
from .label_sheets import label_content, label_sheet_build, label_sheet_create
from .lots import (
    FINISHED_BATCH_STATUSES,
    MATERIAL_BATCH_STATUSES,
    batch_start_production,
    lot_create,
)
from .switching import switching_approve_reduced, switching_resume

__all__ = [
    "FINISHED_BATCH_STATUSES",
    "MATERIAL_BATCH_STATUSES",
    "STAGE_RANK",
    "DefectIn",
    "batch_start_production",
    "inspection_dispose",
    "inspection_photo_add",
    "label_content",
    "label_sheet_build",
    "label_sheet_create",
    "lot_create",
    "lot_inspect",
    "lot_plan",
    "switching_approve_reduced",
    "switching_resume",
]
