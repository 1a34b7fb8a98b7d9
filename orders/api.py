from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from core.pagination import Limit, LimitOffsetPagination, Offset, paginate

from .schemas import (
    BatchesCancelIn,
    BatchesCancelOut,
    BatchEventOut,
    BatchFilter,
    BatchOut,
    CancelIn,
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
    ticket_return_correct,
    ticket_return_record,
)

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
    ticket, created = ticket_issue(actor=request.user, batch_id=batch_id, **payload.dict())
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
