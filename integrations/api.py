"""Merchants' keys and webhooks. Managed by a merchant's people (a key cannot manage keys)."""

from django.http import HttpRequest
from ninja import Router, Status

from core.pagination import LimitOffsetPagination, paginate

from .keys import api_key_create, api_key_revoke
from .schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    WebhookDeliveryOut,
    WebhookEndpointCreatedOut,
    WebhookEndpointIn,
    WebhookEndpointOut,
)
from .selectors import api_key_list, webhook_delivery_list, webhook_endpoint_list
from .webhooks import webhook_delivery_replay, webhook_endpoint_create, webhook_endpoint_set_active

router = Router(tags=["integrations"])


@router.get("/api-keys", response=list[ApiKeyOut], summary="My organisation's API keys")
@paginate(LimitOffsetPagination)
def list_api_keys(request: HttpRequest):
    return api_key_list(viewer=request.user)


@router.post(
    "/api-keys",
    response={201: ApiKeyCreatedOut},
    summary="Make a scoped API key (merchant); the key is in this answer only",
)
def create_api_key(request: HttpRequest, payload: ApiKeyIn):
    key, raw_key = api_key_create(actor=request.user, name=payload.name, scopes=payload.scopes)
    return Status(201, {**ApiKeyOut.from_orm(key).dict(), "key": raw_key})


@router.post(
    "/api-keys/{key_id}/revoke", response=ApiKeyOut, summary="Revoke a key: refused at once"
)
def revoke_api_key(request: HttpRequest, key_id: int):
    return api_key_revoke(actor=request.user, key_id=key_id)


@router.get("/webhooks", response=list[WebhookEndpointOut], summary="My webhook endpoints")
@paginate(LimitOffsetPagination)
def list_webhooks(request: HttpRequest):
    return webhook_endpoint_list(viewer=request.user)


@router.post(
    "/webhooks",
    response={201: WebhookEndpointCreatedOut},
    summary="Register a URL for events (400 webhook_url_not_allowed for private addresses)",
)
def create_webhook(request: HttpRequest, payload: WebhookEndpointIn):
    endpoint, secret = webhook_endpoint_create(
        actor=request.user, url=payload.url, events=payload.events
    )
    return Status(201, {**WebhookEndpointOut.from_orm(endpoint).dict(), "secret": secret})


@router.post("/webhooks/{endpoint_id}/enable", response=WebhookEndpointOut)
def enable_webhook(request: HttpRequest, endpoint_id: int):
    return webhook_endpoint_set_active(actor=request.user, endpoint_id=endpoint_id, active=True)


@router.post("/webhooks/{endpoint_id}/disable", response=WebhookEndpointOut)
def disable_webhook(request: HttpRequest, endpoint_id: int):
    return webhook_endpoint_set_active(actor=request.user, endpoint_id=endpoint_id, active=False)


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response=list[WebhookDeliveryOut],
    summary="The delivery log: status, response code, attempts, next attempt",
)
@paginate(LimitOffsetPagination)
def list_deliveries(request: HttpRequest, endpoint_id: int):
    return webhook_delivery_list(viewer=request.user, endpoint_id=endpoint_id)


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    response={201: WebhookDeliveryOut},
    summary="Send a delivery's event again (same event id)",
)
def replay_delivery(request: HttpRequest, delivery_id: int):
    return Status(201, webhook_delivery_replay(actor=request.user, delivery_id=delivery_id))
