from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from core.schemas import InSchema


class SmsInboundIn(InSchema):
    """A text a phone sent, as the gateway posts it (signed: see docs/sms.md)."""

    id: str = Field(..., min_length=1, max_length=64, description="the gateway's message id")
    number: str = Field(
        ..., min_length=1, max_length=32, description="the sender, e.g. +8613812345678"
    )
    text: str = Field(..., max_length=1000)
    sent_at: datetime | None = Field(None, description="when the phone sent it, if known")


class SmsInboundOut(Schema):
    id: int
    command: str
    status: str
    reply: str = Field(..., description="also sent to the phone through the notifier")


class SmsDeliveryIn(InSchema):
    """The gateway's delivery report for a message we sent."""

    id: str = Field("", max_length=64, description="the gateway's id of our message")
    msg_ref: str = Field("", max_length=20, description="or our reference, sent as msg_ref")
    status: Literal["delivered", "undelivered", "failed", "expired", "rejected"]


class SmsDeliveryOut(Schema):
    updated: int
