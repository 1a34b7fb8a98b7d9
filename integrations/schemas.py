from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from core.schemas import InSchema


class ApiKeyIn(InSchema):
    name: str = Field(max_length=80)
    scopes: list[str] = Field(
        min_length=1, max_length=3, description="orders:read, orders:write, quality:read"
    )


class ApiKeyOut(Schema):
    id: int
    name: str
    scopes: list[str]
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    use_count: int


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The key, shown this once: send it as `Authorization: Bearer`")


class WebhookEndpointIn(InSchema):
    url: str = Field(max_length=500)
    events: list[str] = Field(min_length=1, max_length=6)


class WebhookEndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    is_active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    created_at: datetime


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    secret: str = Field(description="The signing secret, shown this once")


class WebhookDeliveryOut(Schema):
    id: int
    endpoint_id: int
    event: str
    event_id: UUID
    status: str
    attempts: int
    response_code: int | None
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    replay_of_id: int | None
