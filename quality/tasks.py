from celery import shared_task

from .services import label_sheet_build


@shared_task
def label_sheet_task(sheet_id: int) -> int:
    """Build the PDF of one label sheet. Safe to run again from any point: a sheet already
    built is left as it is (its job marked succeeded if a dead run could not)."""
    return label_sheet_build(sheet_id=sheet_id)


@shared_task
def scan_partitions_ensure_task() -> list[str]:
    """Make the coming months' partitions of the scan events (PostgreSQL; nothing on SQLite).
    Each month is one transaction: killed half way, run again, it makes what is missing."""
    from .partitions import scan_partitions_ensure

    return scan_partitions_ensure()
