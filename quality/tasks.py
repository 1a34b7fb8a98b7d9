from celery import shared_task

from .services import label_sheet_build


@shared_task
def label_sheet_task(sheet_id: int) -> int:
    """Build the PDF of one label sheet. Safe to run again from any point: a sheet already
    built is left as it is (its job marked succeeded if a dead run could not)."""
    return label_sheet_build(sheet_id=sheet_id)
