from datetime import datetime

from ninja import Field, Schema

from core.schemas import InSchema


class TokenIn(InSchema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)
    device: str = Field("", max_length=80, description="A name for the phone, shown in the admin.")


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime


class OrganisationOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    region: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    organisation: OrganisationOut | None
    language: str


class InboxItemOut(Schema):
    id: int
    kind: str
    text: str
    link: str
    data: dict
    created_at: datetime
    read: bool = Field(..., description="Whether the person has marked it read")

    @staticmethod
    def resolve_read(obj) -> bool:
        return obj.read_at is not None


class InboxOut(Schema):
    items: list[InboxItemOut]
    unread: int = Field(..., description="Unread notices in the whole inbox")
    next_before: int | None = Field(
        ..., description="Pass as ?before= for the next (older) page; null on the last page"
    )


class InboxReadIn(InSchema):
    ids: list[int] | None = Field(
        None, max_length=500, description="Notices to mark read; omit to mark all read"
    )


class InboxReadOut(Schema):
    marked: int
    unread: int
