from celery import shared_task

from .services import label_sheet_build


@shared_task
def label_sheet_task(sheet_id: int) -> int:
    """Build the PDF of one label sheet. Idempotent: a sheet already built is left as it is."""
    return label_sheet_build(sheet_id=sheet_id)
