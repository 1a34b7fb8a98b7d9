"""Households' answers about their payments, from the lead's phone (its offline queue), and the
operator's resolution of a "没收到".

``POST /payouts/answers/bulk`` takes the offline queue's body (``{"scans": [...]}``, as
``static/js/offline.js`` sends it): each item is a household's answer given on the lead's phone,
``{key, code (the household's card), action ("received" | "not_received"), device_time}``, and
for a signed or thumb-printed slip a ``photo`` (a ``data:image/…;base64,`` URL). Each item is
judged on its own and answered by its index: ``created``, ``replayed`` (its key was recorded
before: nothing changes) or ``rejected`` with the error body (final: the phone parks it).
"""

import base64
import binascii
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from pydantic import ValidationError

from core.errors import ApplicationError, BadRequest
from core.schemas import ErrorOut, InSchema
from workshops.selectors import household_by_card

from .models import PaymentAnswer
from .services import payment_answer_record, payment_dispute_resolve

router = Router(tags=["payouts"])

BULK_LIMIT = 200
PHOTO_LIMIT = 10 * 1024 * 1024


class AnswerBulkIn(InSchema):
    scans: list[Any] = Field(..., description="answers queued on the lead's phone (≤ 200)")


class AnswerItemIn(Schema):
    key: UUID
    code: str = Field(..., max_length=80, description="the household's card code (or its URL)")
    action: Literal["received", "not_received"]
    device_time: datetime
    photo: str = Field("", description="a slip photo as a data: URL (base64)")


class AnswerResultOut(Schema):
    index: int
    key: str | None
    status: Literal["created", "replayed", "rejected"]
    payments: int = 0
    error: ErrorOut | None = None


class AnswerBulkOut(Schema):
    created: int
    replayed: int
    rejected: int
    results: list[AnswerResultOut]


class PhotoInvalidInQueue(BadRequest):
    code = "photo_invalid"


def _photo_bytes(data_url: str) -> bytes | None:
    if not data_url:
        return None
    _head, comma, body = data_url.partition(",")
    if not comma or len(body) > PHOTO_LIMIT * 4 // 3 + 4:
        raise PhotoInvalidInQueue(detail={"field": "photo"})
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise PhotoInvalidInQueue(detail={"field": "photo"}) from None


def _answer_one(request: HttpRequest, index: int, raw: Any) -> dict[str, Any]:
    key = raw.get("key") if isinstance(raw, dict) else None
    result: dict[str, Any] = {"index": index, "key": key if isinstance(key, str) else None}
    try:
        try:
            item = AnswerItemIn.model_validate(raw)
        except ValidationError as exc:
            raise ApplicationError(
                status=422,
                code="validation_error",
                detail={"errors": [{"loc": [str(p) for p in e["loc"]]} for e in exc.errors()]},
            ) from None
        household = household_by_card(raw_code=item.code, viewer=request.user)
        slip = _photo_bytes(item.photo)
        answered = payment_answer_record(
            household_id=household.pk,
            answer=item.action,
            via=PaymentAnswer.Via.SLIP if slip else PaymentAnswer.Via.LEAD_PHONE,
            key=item.key,
            actor=request.user,
            answered_at=item.device_time,
            slip=slip,
        )
    except ApplicationError as exc:
        return {**result, "status": "rejected", "error": exc.body()}
    status = "created" if answered.created else "replayed"
    return {**result, "status": status, "payments": len(answered.payments)}


@router.post(
    "/payouts/answers/bulk",
    response={200: AnswerBulkOut, 400: ErrorOut, 403: ErrorOut, 413: ErrorOut},
    summary="Households' 收到了 / 没收到 given on a lead's phone (its offline queue, ≤ 200)",
)
def create_answers_bulk(request: HttpRequest, payload: AnswerBulkIn):
    if len(payload.scans) > BULK_LIMIT:
        raise ApplicationError(
            status=413,
            code="bulk_too_large",
            detail={"limit": BULK_LIMIT, "received": len(payload.scans)},
        )
    results = [_answer_one(request, index, raw) for index, raw in enumerate(payload.scans)]
    counts = {"created": 0, "replayed": 0, "rejected": 0}
    for result in results:
        counts[result["status"]] += 1
    return JsonResponse({**counts, "results": results}, json_dumps_params={"ensure_ascii": False})


class ResolveIn(InSchema):
    resolution: str = Field(..., max_length=300)


class PaymentOut(Schema):
    id: int
    household_id: int
    period_id: int
    amount_fen: int
    method: str
    reference: str
    status: str


@router.post(
    "/payouts/payments/{payment_id}/resolve",
    response={200: PaymentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="The operator closes a household's 没收到 with a note",
)
def resolve_payment(request: HttpRequest, payment_id: int, payload: ResolveIn):
    return payment_dispute_resolve(
        payment_id=payment_id, actor=request.user, resolution=payload.resolution
    )
