"""Reads for integrations: a merchant's keys, endpoints and delivery log (operators: all)."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import ensure_role, scope

from .models import ApiKey, WebhookDelivery, WebhookEndpoint
from .webhooks import WebhookEndpointNotFound

Role = User.Role


def api_key_list(*, viewer: User) -> QuerySet[ApiKey]:
    ensure_role(viewer, Role.MERCHANT, Role.OPERATOR)
    return scope(ApiKey.objects.all(), viewer=viewer, merchant="organisation").order_by("-pk")


def webhook_endpoint_list(*, viewer: User) -> QuerySet[WebhookEndpoint]:
    ensure_role(viewer, Role.MERCHANT, Role.OPERATOR)
    return scope(WebhookEndpoint.objects.all(), viewer=viewer, merchant="organisation").order_by(
        "-pk"
    )


def webhook_delivery_list(*, viewer: User, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first; someone else's endpoint is 404."""
    if not webhook_endpoint_list(viewer=viewer).filter(pk=endpoint_id).exists():
        raise WebhookEndpointNotFound(detail={"endpoint_id": endpoint_id})
    return WebhookDelivery.objects.filter(endpoint_id=endpoint_id).order_by("-pk")
