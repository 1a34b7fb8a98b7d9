from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ValidationError

from core.pagination import LimitOffsetPagination, paginate
from core.schemas import ErrorOut

from . import sampling
from .accounting import order_summary
from .errors import AqlNotSupported, BulkTooLarge, ScanItemInvalid
from .labels import label_png
from .scans import BULK_LIMIT, ScanItem, ScanResult, scan_ingest, scan_record
from .schemas import (
    DispositionIn,
    InspectionIn,
    InspectionOut,
    InspectionPhotoOut,
    LabelSheetIn,
    LabelSheetOut,
    LotIn,
    LotOut,
    OrderSummaryOut,
    PieceLossIn,
    PieceLossOut,
    ReceiptIn,
    ReceiptOut,
    SamplingPlanOut,
    ScanBulkIn,
    ScanBulkOut,
    ScanExceptionOut,
    ScanExceptionResolveIn,
    ScanIn,
    ScanItemIn,
    ScanOut,
    SwitchingStateOut,
    scan_brief,
    scan_out,
)
from .selectors import (
    inspection_get,
    label_sheet_get,
    lot_get,
    lot_inspections,
    lot_list,
    lot_scans,
    material_balance,
    piece_loss_get,
    quality_record,
    receipt_get,
    scan_exception_list,
    switching_list,
)
from .services import (
    DefectIn,
    inspection_dispose,
    inspection_photo_add,
    label_content,
    label_sheet_create,
    lot_create,
    lot_inspect,
    lot_plan,
    lot_receive,
    piece_loss_record,
    scan_exception_resolve,
    switching_approve_reduced,
    switching_resume,
)

router = Router(tags=["quality"])


class LotFilter(Schema):
    batch_id: int | None = None
    kind: str | None = None


# 404: the batch (or a household of a share) is not found, or not yours.
@router.post(
    "/lots", response={201: LotOut, 404: ErrorOut}, summary="Pack a material or finished lot"
)
def create_lot(request: HttpRequest, payload: LotIn):
    lot = lot_create(
        actor=request.user,
        batch_id=payload.batch_id,
        kind=payload.kind,
        quantity=payload.quantity,
        shares=[share.dict() for share in payload.shares],
    )
    return Status(201, lot_get(viewer=request.user, code=lot.code))


@router.get("/lots", response=list[LotOut], summary="Lots I may see")
@paginate(LimitOffsetPagination)
def list_lots(request: HttpRequest, filters: Query[LotFilter]):
    return lot_list(
        viewer=request.user, batch_id=filters.batch_id, kind=filters.kind
    ).prefetch_related("shares__household")


@router.get("/lots/{code}", response=LotOut, summary="A lot, by the code on its label")
def read_lot(request: HttpRequest, code: str):
    return lot_get(viewer=request.user, code=code)


@router.get("/lots/{code}/scans", response=list[ScanOut], summary="The lot's chain of custody")
def list_lot_scans(request: HttpRequest, code: str):
    return [scan_out(event) for event in lot_scans(viewer=request.user, code=code)]


@router.get("/lots/{code}/inspections", response=list[InspectionOut])
def list_lot_inspections(request: HttpRequest, code: str):
    return lot_inspections(viewer=request.user, code=code)


@router.get("/lots/{code}/plan", response=SamplingPlanOut, summary="The plan to inspect it now")
def read_lot_plan(request: HttpRequest, code: str):
    return lot_plan(lot=lot_get(viewer=request.user, code=code))


@router.get("/lots/{code}/label.png", summary="The 40×30 mm label at 203 dpi")
def read_lot_label(request: HttpRequest, code: str):
    lot = lot_get(viewer=request.user, code=code)
    response = HttpResponse(label_png(label_content(lot)), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{lot.code}.png"'
    return response


# 404: a lot of the sheet is not found, or not yours.
@router.post(
    "/labels/sheets",
    response={202: LabelSheetOut, 404: ErrorOut},
    summary="Queue an A4 PDF of labels; follow GET /tasks/{task_id}",
)
def create_label_sheet(request: HttpRequest, payload: LabelSheetIn):
    sheet = label_sheet_create(actor=request.user, lot_codes=payload.codes)
    return Status(
        202,
        {
            "sheet_id": sheet.pk,
            "task_id": sheet.job_id,
            "task_url": f"/api/v1/tasks/{sheet.job_id}",
            "lots": len(sheet.lot_codes),
        },
    )


@router.get("/labels/sheets/{sheet_id}.pdf", summary="The finished PDF of a label sheet")
def read_label_sheet(request: HttpRequest, sheet_id: int):
    sheet = label_sheet_get(viewer=request.user, sheet_id=sheet_id)
    return FileResponse(sheet.pdf.open("rb"), content_type="application/pdf")


# 404: the lot is not found, or not yours.
@router.post(
    "/scans",
    response={201: ScanOut, 200: ScanOut, 404: ErrorOut},
    summary="Record one custody scan",
)
def create_scan(request: HttpRequest, payload: ScanIn):
    result = scan_record(actor=request.user, **payload.dict())
    return Status(result.status_code, scan_out(result.event))


@router.post("/scans/bulk", response=ScanBulkOut, summary="A phone's offline queue (≤ 1,000)")
def create_scans_bulk(request: HttpRequest, payload: ScanBulkIn):
    if len(payload.scans) > BULK_LIMIT:
        raise BulkTooLarge(detail={"limit": BULK_LIMIT, "received": len(payload.scans)})
    items: list[ScanItem] = []
    results: dict[int, ScanResult] = {}
    for index, raw in enumerate(payload.scans):
        judged = _queued_scan(index, raw)
        if isinstance(judged, ScanResult):
            results[index] = judged
        else:
            items.append(judged)
    results.update((r.index, r) for r in scan_ingest(actor=request.user, items=items))
    out = []
    counts = {"created": 0, "replayed": 0, "rejected": 0}
    for index in range(len(payload.scans)):
        result = results[index]
        counts[result.status] += 1
        out.append(
            {
                "index": index,
                "key": result.key,
                "status": result.status,
                "scan": scan_brief(result.event) if result.event else None,
                "error": result.error or None,
            }
        )
    # Already plain JSON types: answered directly rather than re-validated item by item
    # against ScanBulkOut (which still documents the shape); a 1,000-scan answer costs less.
    return JsonResponse({**counts, "results": out}, json_dumps_params={"ensure_ascii": False})


def _queued_scan(index: int, raw: Any) -> ScanItem | ScanResult:
    """One item of a queue, judged on its own by the single scan's fields: a scan, or its
    refusal. Whatever the item is (a string, null, a list, an object with wrong fields)."""
    try:
        scan = ScanItemIn.model_validate(raw)
    except ValidationError as exc:
        # An object is told which fields are wrong; anything else that it is not a scan at all.
        not_a_scan = _("这一条不是扫码记录：应是含 key、code、action、device_time 的对象。")
        error = ScanItemInvalid(
            None if isinstance(raw, dict) else not_a_scan,
            detail={
                "errors": [
                    {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
                    for e in exc.errors()
                ]
            },
        )
        key = raw.get("key") if isinstance(raw, dict) else None
        return ScanResult(
            index=index,
            key=key if isinstance(key, str) else None,
            status="rejected",
            error=error.body(),
            status_code=error.status,
        )
    return ScanItem(
        index=index,
        key=scan.key,
        code=scan.code,
        action=scan.action,
        device_time=scan.device_time,
        note=scan.note,
    )


@router.get(
    "/quality/sampling-plan",
    response=SamplingPlanOut,
    summary="ISO 2859-1 / GB/T 2828.1 single sampling plan",
)
def read_sampling_plan(
    request: HttpRequest,
    lot_size: int,
    aql: str = "2.5",
    level: str = "II",
    severity: str = "normal",
):
    try:
        return sampling.sampling_plan(lot_size, aql, level, severity)
    except sampling.SamplingError as exc:
        raise AqlNotSupported(detail={"field": exc.field, "reason": str(exc)}) from None


@router.post(
    "/lots/{code}/inspections", response={201: InspectionOut}, summary="Inspect a finished lot"
)
def create_inspection(request: HttpRequest, code: str, payload: InspectionIn):
    inspection = lot_inspect(
        actor=request.user,
        code=code,
        defects=[DefectIn(**d.dict()) for d in payload.defects],
        note=payload.note,
    )
    return Status(201, inspection_get(viewer=request.user, inspection_id=inspection.pk))


@router.get("/inspections/{inspection_id}", response=InspectionOut)
def read_inspection(request: HttpRequest, inspection_id: int):
    return inspection_get(viewer=request.user, inspection_id=inspection_id)


@router.post(
    "/inspections/{inspection_id}/disposition",
    response=InspectionOut,
    summary="Sort 100 %, send back for rework, or scrap a rejected lot",
)
def dispose_inspection(request: HttpRequest, inspection_id: int, payload: DispositionIn):
    inspection_dispose(actor=request.user, inspection_id=inspection_id, **payload.dict())
    return inspection_get(viewer=request.user, inspection_id=inspection_id)


@router.post("/inspections/{inspection_id}/photos", response={201: InspectionPhotoOut})
def add_inspection_photo(request: HttpRequest, inspection_id: int, photo: File[UploadedFile]):
    from .errors import PhotoTooLarge
    from .photos import MAX_BYTES

    if photo.size and photo.size > MAX_BYTES:
        raise PhotoTooLarge.over_bytes(MAX_BYTES, photo.size)
    created = inspection_photo_add(
        actor=request.user, inspection_id=inspection_id, data=photo.read(MAX_BYTES + 1)
    )
    return Status(201, created)


@router.get("/quality/workshops/{workshop_id}/record", summary="Quality record (FPY)")
def read_quality_record(request: HttpRequest, workshop_id: int):
    return quality_record(viewer=request.user, workshop_id=workshop_id)


@router.get("/quality/batches/{batch_id}/material-balance", summary="Materials vs. returns")
def read_material_balance(request: HttpRequest, batch_id: int):
    return material_balance(viewer=request.user, batch_id=batch_id)


@router.get(
    "/scan-exceptions",
    response=list[ScanExceptionOut],
    summary="Material lots that arrived after their batch moved on (operators, checkers)",
)
@paginate(LimitOffsetPagination)
def list_scan_exceptions(request: HttpRequest, open: bool | None = None):
    return scan_exception_list(viewer=request.user, open_only=open)


@router.post(
    "/scan-exceptions/{exception_id}/resolve",
    response=ScanExceptionOut,
    summary="Settle a scan exception with a note (operator)",
)
def resolve_scan_exception(
    request: HttpRequest, exception_id: int, payload: ScanExceptionResolveIn
):
    return scan_exception_resolve(actor=request.user, exception_id=exception_id, note=payload.note)


@router.get("/quality/switching", response=list[SwitchingStateOut])
@paginate(LimitOffsetPagination)
def list_switching(request: HttpRequest, workshop_id: int | None = None):
    return switching_list(viewer=request.user, workshop_id=workshop_id)


@router.post("/quality/switching/{state_id}/approve-reduced", response=SwitchingStateOut)
def approve_reduced(request: HttpRequest, state_id: int):
    return switching_approve_reduced(actor=request.user, state_id=state_id)


@router.post("/quality/switching/{state_id}/resume", response=SwitchingStateOut)
def resume_switching(request: HttpRequest, state_id: int):
    return switching_resume(actor=request.user, state_id=state_id)


# --- closing the loop: goods received, losses, the completion summary -------------------------


@router.post(
    "/lots/{code}/receipt",
    response={201: ReceiptOut, 200: ReceiptOut},
    summary="Goods received: the merchant counts a finished lot's pieces (201; 200 on a resend)",
)
def create_receipt(request: HttpRequest, code: str, payload: ReceiptIn):
    delivery, created = lot_receive(actor=request.user, code=code, **payload.dict())
    return Status(201 if created else 200, receipt_get(viewer=request.user, receipt_id=delivery.pk))


@router.post(
    "/batches/{batch_id}/losses",
    response={201: PieceLossOut, 200: PieceLossOut},
    summary="Pieces of a batch lost outside a ticket, with a reason (lead, operator)",
)
def create_piece_loss(request: HttpRequest, batch_id: int, payload: PieceLossIn):
    loss, created = piece_loss_record(actor=request.user, batch_id=batch_id, **payload.dict())
    return Status(201 if created else 200, piece_loss_get(viewer=request.user, loss_id=loss.pk))


@router.get(
    "/orders/{order_id}/summary",
    response=OrderSummaryOut,
    summary="What an order came to: pieces, first-pass yield, on time, fees owed and paid",
)
def read_order_summary(request: HttpRequest, order_id: int):
    return order_summary(viewer=request.user, order_id=order_id)
