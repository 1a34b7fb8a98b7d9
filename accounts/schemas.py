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
