"""Label sheets: A4 PDFs of lot labels, built in the background.

Rules:
- A sheet holds only lots the actor may see: an unknown or foreign code refuses the whole sheet
  (404 ``lot_not_found``) before any job exists.
- The PDF is built by a task outside any transaction, reporting progress on its job (so that
  ``GET /tasks/{id}`` sees it move); building a sheet that has its PDF does nothing new.
- A build killed half way is built again from the start by the next run (Celery's redelivery
  or the jobs reaper): the PDF is written to storage first and attached to the sheet by one
  conditional UPDATE, so a sheet gets one PDF and its job succeeds once, however many runs.
"""

import tempfile

from django.db import transaction

from accounts.models import User
from accounts.permissions import ensure_role
from jobs.services import (
    job_create,
    job_enqueue,
    job_fail,
    job_progress,
    job_run_begin,
    job_succeed,
)

from .. import labels
from ..errors import LabelSheetEmpty
from ..models import LabelSheet, Lot
from ..selectors import lot_scope

Role = User.Role
LABEL_SHEET_JOB = "label_sheet"


@transaction.atomic
def label_sheet_create(*, actor: User, lot_codes: list[str]) -> LabelSheet:
    """Queue an A4 PDF of labels for the given lots (those the actor may see)."""
    from ..selectors import parse_code
    from ..tasks import label_sheet_task

    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    wanted = list(dict.fromkeys(parse_code(code) for code in lot_codes))
    visible = set(
        lot_scope(Lot.objects.filter(code__in=wanted), viewer=actor).values_list("code", flat=True)
    )
    missing = [code for code in wanted if code not in visible]
    if missing:
        from ..errors import LotNotFound

        raise LotNotFound(detail={"codes": missing[:20]})
    if not wanted:
        raise LabelSheetEmpty()
    # No message: the job's status says "queued" in the reader's language, and stops saying it
    # when the job runs.
    job = job_create(kind=LABEL_SHEET_JOB, created_by=actor, total=len(wanted))
    sheet = LabelSheet.objects.create(job=job, lot_codes=wanted, created_by=actor)
    job_enqueue(job=job, task=label_sheet_task.name, args=[sheet.pk])
    return sheet


def label_content(lot: Lot) -> "labels.LabelContent":
    from ..schemas import lot_url

    return labels.LabelContent(
        code=lot.code,
        url=lot_url(lot.code),
        product=lot.batch.order.product_name,
        quantity=lot.quantity,
        batch=f"#{lot.batch.number}",
        workshop=lot.workshop.organisation.name,
        kind=str(lot.get_kind_display()),
    )


def _sheet_result(sheet: LabelSheet) -> dict:
    return {
        "sheet_id": sheet.pk,
        "labels": len(sheet.lot_codes),
        "url": f"/api/v1/labels/sheets/{sheet.pk}.pdf",
    }


def label_sheet_build(*, sheet_id: int) -> int:
    """Render a label sheet's PDF, reporting progress on its job (outside any transaction so
    that ``GET /tasks/{id}`` sees it move). Safe to run again from any point."""
    from django.core.files import File

    sheet = LabelSheet.objects.select_related("job").get(pk=sheet_id)
    job_id = sheet.job_id
    if sheet.pdf:
        # built by an earlier run, which may have died before saying so
        job_succeed(job_id=job_id, result=_sheet_result(sheet))
        return len(sheet.lot_codes)
    attempt = job_run_begin(job_id=job_id)
    if attempt is None:
        return 0
    job_progress(job_id=job_id, done=0, total=len(sheet.lot_codes), attempt=attempt)
    try:
        order = {code: i for i, code in enumerate(sheet.lot_codes)}

        def contents():
            # Stream in chunks so memory stays flat however many labels there are.
            codes_ = sheet.lot_codes
            for start in range(0, len(codes_), 500):
                chunk = (
                    Lot.objects.filter(code__in=codes_[start : start + 500])
                    .select_related("batch__order", "workshop__organisation")
                    .order_by()
                )
                for lot in sorted(chunk, key=lambda lot: order[lot.code]):
                    yield label_content(lot)

        with tempfile.TemporaryFile() as out:
            count = labels.label_sheet_pdf(
                contents(),
                out,
                total=len(sheet.lot_codes),
                progress=lambda done: job_progress(job_id=job_id, done=done, attempt=attempt),
            )
            out.seek(0)
            storage = sheet.pdf.storage
            name = storage.save(
                sheet.pdf.field.generate_filename(sheet, f"labels-{sheet.pk}.pdf"), File(out)
            )
        # One PDF per sheet: of two runs that both got here, the second leaves the first's.
        if not LabelSheet.objects.filter(pk=sheet.pk, pdf="").update(pdf=name):
            storage.delete(name)
    except Exception as exc:
        job_fail(job_id=job_id, message=str(exc))
        raise
    job_succeed(job_id=job_id, result=_sheet_result(sheet))
    return count
