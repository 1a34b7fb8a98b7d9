"""Label sheets: A4 PDFs of lot labels, built in the background.

Rules:
- A sheet holds only lots the actor may see: an unknown or foreign code refuses the whole sheet
  (404 ``lot_not_found``) before any job exists.
- The PDF is built by a task outside any transaction, reporting progress on its job (so that
  ``GET /tasks/{id}`` sees it move); building a sheet that has its PDF does nothing new.
- The PDF is drawn in parts (a few hundred labels each, a PDF file apiece in the job's own
  temporary folder) and joined by pypdf, so memory stays flat; progress moves once a part.
- A build killed half way is finished by the next run (Celery's redelivery or the jobs
  reaper), which keeps the parts already written on that machine and draws the rest: a part is
  renamed into place only when whole, and a part built again is the same bytes. The joined PDF
  is written to storage first and attached to the sheet by one conditional UPDATE, so a sheet
  gets one PDF and its job succeeds once, however many runs.
"""

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

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


def label_sheet_workdir(sheet: LabelSheet) -> Path:
    """The job's own temporary folder for the parts of its PDF (kept by a killed run, so that
    the next run on this machine starts from the parts it finished). Named by the job and a
    digest of its lots and start, so that no other job (another database's job of the same
    number, say) can ever hand it its parts."""
    digest = hashlib.sha256(
        json.dumps([sheet.job_id, sheet.created_at.isoformat(), sheet.lot_codes]).encode()
    ).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "shouchuang-label-sheets" / f"job-{sheet.job_id}-{digest}"


def _lot_labels(codes: list[str]) -> list["labels.LabelContent"]:
    """The labels of some lots, in the order of ``codes`` (one query; a lot gone is skipped)."""
    lots = {
        lot.code: lot
        for lot in Lot.objects.filter(code__in=codes)
        .select_related("batch__order", "workshop__organisation")
        .order_by()
    }
    return [label_content(lots[code]) for code in codes if code in lots]


def _write_once(path: Path, write) -> None:
    """Write ``path`` through a file of this run's own, renamed into place when whole: a run
    killed half way leaves no half file under the real name."""
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.partial")
    try:
        with partial.open("wb") as out:
            write(out)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def label_sheet_build(*, sheet_id: int, part_pages: int | None = None) -> int:
    """Render a label sheet's PDF, reporting progress on its job after each part (outside any
    transaction so that ``GET /tasks/{id}`` sees it move). Safe to run again from any point.

    The sheet is drawn in parts of ``part_pages`` A4 pages (by default about twelve parts, at
    most ``labels.PART_PAGES`` pages each), each a PDF in the job's temporary folder; pypdf
    joins them into one file, which storage keeps and one conditional UPDATE attaches. A run
    killed half way leaves the parts it finished, and the next run draws only the rest."""
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
    codes = sheet.lot_codes
    total = len(codes)
    job_progress(job_id=job_id, done=0, total=total, attempt=attempt)
    per_part = (part_pages or labels.label_part_pages(total)) * labels.PER_PAGE
    workdir = label_sheet_workdir(sheet)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        parts = []
        for start in range(0, total, per_part):
            part = workdir / f"part-{start // per_part:05d}-of-{per_part}.pdf"
            if not part.exists():
                chunk = _lot_labels(codes[start : start + per_part])
                _write_once(part, lambda out, chunk=chunk: labels.label_sheet_pdf(chunk, out))
            parts.append(part)
            done = min(start + per_part, total)
            if not job_progress(job_id=job_id, done=done, attempt=attempt):
                return 0  # a later run took the job over; it finishes the sheet
        joined = workdir / "sheet.pdf"
        _write_once(joined, lambda out: labels.label_sheet_parts_join(parts, out))
        with joined.open("rb") as pdf:
            storage = sheet.pdf.storage
            name = storage.save(
                sheet.pdf.field.generate_filename(sheet, f"labels-{sheet.pk}.pdf"), File(pdf)
            )
        # One PDF per sheet: of two runs that both got here, the second leaves the first's.
        if not LabelSheet.objects.filter(pk=sheet.pk, pdf="").update(pdf=name):
            storage.delete(name)
    except Exception as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        job_fail(job_id=job_id, message=str(exc))
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    job_succeed(job_id=job_id, result=_sheet_result(sheet))
    return total
