from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ValidationError

from core.pagination import Limit, LimitOffsetPagination, Offset, paginate

from . import errors
from .schemas import (
    BatchesCancelIn,
    BatchesCancelOut,
    BatchEventOut,
    BatchFilter,
    BatchOut,
    CancelIn,
    CardWorkBulkIn,
    CardWorkBulkOut,
    CardWorkItemIn,
    MinimumWageIn,
    MinimumWageOut,
    OrderCancelOut,
    OrderIn,
    OrderOut,
    OrderPageOut,
    OrderPatch,
    OrderPhotoOut,
    PublishIn,
    ReleaseIn,
    TicketCorrectionIn,
    TicketCorrectionOut,
    TicketIn,
    TicketOut,
    TicketReturnByCardIn,
    TicketReturnByCardOut,
    TicketReturnIn,
    TicketReturnOut,
)
from .selectors import (
    batch_events,
    batch_get,
    batch_list,
    minimum_wage_list,
    order_batches,
    order_get,
    order_page,
    ticket_get,
    ticket_list,
)
from .services import (
    batch_claim,
    batch_mark_returned,
    batch_release,
    batch_start_production,
    minimum_wage_record,
    order_batches_cancel,
    order_cancel,
    order_create,
    order_photo_add,
    order_publish,
    order_update,
    ticket_issue,
    ticket_issue_by_card,
    ticket_return_by_card,
    ticket_return_correct,
    ticket_return_record,
)
from .services.card_work import BULK_LIMIT as CARD_WORK_BULK_LIMIT
from .services.card_work import CardWorkItem, card_work_record
from .services.card_work import CardWorkResult as CardWorkRecorded
from .services.card_work import rejected as card_work_rejected

router = Router(tags=["orders"])


class OrderFilter(Schema):
    status: str | None = None
    search: str = ""
    limit: Limit = 20
    offset: Offset = 0


# --- orders ----------------------------------------------------------------------------


@router.post("/orders", response={201: OrderOut}, summary="Draft an order (merchant)")
def create_order(request: HttpRequest, payload: OrderIn):
    order = order_create(actor=request.user, **payload.dict())
    return Status(201, order_get(viewer=request.user, order_id=order.pk))


@router.get("/orders", response=OrderPageOut, summary="My orders with live progress")
def list_orders(request: HttpRequest, filters: Query[OrderFilter]):
    return order_page(
        viewer=request.user,
        status=filters.status,
        search=filters.search,
        limit=filters.limit,
        offset=filters.offset,
    )


@router.get("/orders/{order_id}", response=OrderOut)
def read_order(request: HttpRequest, order_id: int):
    return order_get(viewer=request.user, order_id=order_id)


@router.patch("/orders/{order_id}", response=OrderOut, summary="Edit a draft order")
def update_order(request: HttpRequest, order_id: int, payload: OrderPatch):
    changes = payload.dict(exclude_unset=True)
    # Null is "no change" for required terms; only these two may be cleared.
    changes = {
        k: v
        for k, v in changes.items()
        if v is not None or k in {"rework_fee_per_piece", "service_center_id"}
    }
    order = order_update(actor=request.user, order_id=order_id, **changes)
    return order_get(viewer=request.user, order_id=order.pk)


@router.post(
    "/orders/{order_id}/publish",
    response=OrderOut,
    summary="Split into batches and publish (409 fair_pay_below_minimum unless acknowledged)",
)
def publish_order(request: HttpRequest, order_id: int, payload: PublishIn | None = None):
    order = order_publish(
        actor=request.user,
        order_id=order_id,
        acknowledge_below_minimum_wage=bool(payload and payload.acknowledge_below_minimum_wage),
    )
    return order_get(viewer=request.user, order_id=order.pk)


@router.post(
    "/orders/{order_id}/cancel",
    response=OrderCancelOut,
    summary="Cancel what has not started; says which batches carry on",
)
def cancel_order(request: HttpRequest, order_id: int, payload: CancelIn | None = None):
    result = order_cancel(
        actor=request.user, order_id=order_id, reason=payload.reason if payload else ""
    )
    return {
        "order": order_get(viewer=request.user, order_id=result.order.pk),
        "cancelled": result.cancelled,
        "not_cancelled": result.not_cancelled,
    }


@router.post(
    "/orders/{order_id}/batches/cancel",
    response=BatchesCancelOut,
    summary="Cancel unclaimed batches of a published order (named ones, or every open one)",
)
def cancel_order_batches(request: HttpRequest, order_id: int, payload: BatchesCancelIn):
    result = order_batches_cancel(
        actor=request.user,
        order_id=order_id,
        batch_ids=payload.batch_ids,
        reason=payload.reason,
    )
    return {
        "order": order_get(viewer=request.user, order_id=result.order.pk),
        "cancelled": result.cancelled,
    }


@router.get("/orders/{order_id}/batches", response=list[BatchOut])
@paginate(LimitOffsetPagination)
def list_order_batches(request: HttpRequest, order_id: int):
    return order_batches(viewer=request.user, order_id=order_id)


@router.post(
    "/orders/{order_id}/photos",
    response={201: OrderPhotoOut},
    summary="Upload a sample photo (multipart: image, caption)",
)
def upload_order_photo(
    request: HttpRequest, order_id: int, image: File[UploadedFile], caption: Form[str] = ""
):
    photo = order_photo_add(actor=request.user, order_id=order_id, upload=image, caption=caption)
    return Status(201, photo)


# --- batches ---------------------------------------------------------------------------


@router.get(
    "/batches",
    response=list[BatchOut],
    summary="Batches I may see; a lead with status=open gets what it may claim, best first",
)
@paginate(LimitOffsetPagination)
def list_batches(request: HttpRequest, filters: Query[BatchFilter]):
    return batch_list(viewer=request.user, status=filters.status, order_id=filters.order_id)


@router.get("/batches/{batch_id}", response=BatchOut)
def read_batch(request: HttpRequest, batch_id: int):
    return batch_get(viewer=request.user, batch_id=batch_id)


@router.get("/batches/{batch_id}/events", response=list[BatchEventOut], summary="Audit trail")
@paginate(LimitOffsetPagination)
def list_batch_events(request: HttpRequest, batch_id: int):
    return batch_events(viewer=request.user, batch_id=batch_id)


@router.post("/batches/{batch_id}/claim", response=BatchOut, summary="Claim for my workshop")
def claim_batch(request: HttpRequest, batch_id: int):
    return batch_claim(actor=request.user, batch_id=batch_id)


@router.post("/batches/{batch_id}/release", response=BatchOut, summary="Give a claim back")
def release_batch(request: HttpRequest, batch_id: int, payload: ReleaseIn | None = None):
    return batch_release(
        actor=request.user, batch_id=batch_id, reason=payload.reason if payload else ""
    )


@router.post(
    "/batches/{batch_id}/start-production",
    response=BatchOut,
    summary="Materials received without a lot scan: claimed → in production",
)
def start_batch_production(request: HttpRequest, batch_id: int):
    return batch_start_production(batch_id=batch_id, actor=request.user)


@router.post(
    "/batches/{batch_id}/returned",
    response=BatchOut,
    summary="Every household has handed back: in production → returned",
)
def mark_batch_returned(request: HttpRequest, batch_id: int):
    return batch_mark_returned(batch_id=batch_id, actor=request.user)


# --- tickets ---------------------------------------------------------------------------


@router.get("/batches/{batch_id}/tickets", response=list[TicketOut])
@paginate(LimitOffsetPagination)
def list_tickets(request: HttpRequest, batch_id: int):
    return ticket_list(viewer=request.user, batch_id=batch_id)


@router.post(
    "/batches/{batch_id}/tickets",
    response={200: TicketOut, 201: TicketOut},
    summary="Issue pieces to a household (201; 200 for a replayed idempotency key)",
)
def issue_ticket(request: HttpRequest, batch_id: int, payload: TicketIn):
    data = payload.dict()
    card_code = data.pop("card_code")
    if card_code is not None:
        data.pop("household_id")
        ticket, created = ticket_issue_by_card(
            actor=request.user, batch_id=batch_id, card_code=card_code, **data
        )
    else:
        ticket, created = ticket_issue(actor=request.user, batch_id=batch_id, **data)
    return Status(201 if created else 200, ticket_get(viewer=request.user, ticket_id=ticket.pk))


@router.get("/tickets/{ticket_id}", response=TicketOut)
def read_ticket(request: HttpRequest, ticket_id: int):
    return ticket_get(viewer=request.user, ticket_id=ticket_id)


@router.post(
    "/tickets/{ticket_id}/returns",
    response={200: TicketReturnOut, 201: TicketReturnOut},
    summary="Record pieces handed back and lost (with a reason)",
)
def record_ticket_return(request: HttpRequest, ticket_id: int, payload: TicketReturnIn):
    row, created = ticket_return_record(actor=request.user, ticket_id=ticket_id, **payload.dict())
    return Status(201 if created else 200, row)


@router.post(
    "/batches/{batch_id}/returns",
    response={200: TicketReturnByCardOut, 201: TicketReturnByCardOut},
    summary="Record pieces a household handed back, by its card (over its tickets, oldest first)",
)
def record_return_by_card(request: HttpRequest, batch_id: int, payload: TicketReturnByCardIn):
    household, rows, created = ticket_return_by_card(
        actor=request.user, batch_id=batch_id, **payload.dict()
    )
    return Status(
        201 if created else 200,
        {
            "household_id": household.pk,
            "household": household.name,
            "returned": sum(row.returned for row in rows),
            "lost": sum(row.lost for row in rows),
            "returns": rows,
        },
    )


@router.post(
    "/card-work/bulk",
    response=CardWorkBulkOut,
    summary="A phone's offline queue of work by card (issues and returns, ≤ 200)",
)
def record_card_work_bulk(request: HttpRequest, payload: CardWorkBulkIn):
    if len(payload.items) > CARD_WORK_BULK_LIMIT:
        raise errors.CardWorkBulkTooLarge(
            detail={"limit": CARD_WORK_BULK_LIMIT, "received": len(payload.items)}
        )
    items, results = [], []
    for index, raw in enumerate(payload.items):
        judged = _queued_card_work(index, raw)
        (results if isinstance(judged, CardWorkRecorded) else items).append(judged)
    results += card_work_record(actor=request.user, items=items)
    counts = {"created": 0, "replayed": 0, "rejected": 0}
    out = []
    for result in sorted(results, key=lambda r: r.index):
        counts[result.status] += 1
        out.append(
            {
                "index": result.index,
                "key": result.key,
                "status": result.status,
                "kind": result.kind,
                "household_id": result.household.pk if result.household else None,
                "household": result.household.name if result.household else None,
                "pieces": result.pieces,
                "error": result.error or None,
            }
        )
    return {**counts, "results": out}


def _queued_card_work(index: int, raw: Any) -> CardWorkItem | CardWorkRecorded:
    """One item of the queue, judged on its own: the record, or its refusal (422 with the
    fields at fault), whatever the item is."""
    try:
        item = CardWorkItemIn.model_validate(raw)
    except ValidationError as exc:
        error = errors.CardWorkItemInvalid(
            detail={
                "errors": [
                    {"loc": [str(p) for p in e["loc"]], "msg": str(e["msg"]), "type": e["type"]}
                    for e in exc.errors()
                ]
            }
        )
        key = raw.get("key") if isinstance(raw, dict) else None
        return card_work_rejected(index, key if isinstance(key, str) else None, error)
    device_time = item.device_time
    if device_time is not None and timezone.is_naive(device_time):
        device_time = timezone.make_aware(device_time)
    return CardWorkItem(index=index, **{**item.dict(), "device_time": device_time})


@router.post(
    "/tickets/{ticket_id}/corrections",
    response={200: TicketCorrectionOut, 201: TicketCorrectionOut},
    summary="Correct a wrong return by a new entry (−N or +N, with a reason); never an edit",
)
def correct_ticket_return(request: HttpRequest, ticket_id: int, payload: TicketCorrectionIn):
    row, created = ticket_return_correct(actor=request.user, ticket_id=ticket_id, **payload.dict())
    return Status(201 if created else 200, row)


# --- the minimum wage table ------------------------------------------------------------


@router.get("/minimum-wages", response=list[MinimumWageOut], summary="Minimum hourly wages")
@paginate(LimitOffsetPagination)
def list_minimum_wages(request: HttpRequest, province: str = ""):
    return minimum_wage_list(viewer=request.user, province=province)


@router.post("/minimum-wages", response={201: MinimumWageOut}, summary="Record one (operator)")
def create_minimum_wage(request: HttpRequest, payload: MinimumWageIn):
    return Status(201, minimum_wage_record(actor=request.user, **payload.dict()))
