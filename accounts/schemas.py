from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from core.privacy import mask_phone
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


class MeLocaleIn(InSchema):
    language: str = Field("", max_length=15, description='a site language; "" = the default')
    time_zone: str = Field("", max_length=40, description='an IANA time zone; "" = the default')


class MeLocaleOut(Schema):
    """A person's own language (their notices) and time zone (their pages' times); ``own``:
    chosen by them, so an operator's change to their workshop's leaves it alone."""

    language: str
    time_zone: str
    own: bool = Field(..., alias="locale_own")


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


class ServiceCenterIn(InSchema):
    name: str = Field(..., min_length=2, max_length=120)
    province: str = Field(..., min_length=2, max_length=40)
    county: str = Field("", max_length=40)
    township: str = Field("", max_length=40)
    village: str = Field("", max_length=40)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    payout_currency: str = Field(
        "CNY", pattern=r"^[A-Za-z]{3}$", description="ISO 4217: its households are paid in it"
    )
    key: UUID | None = Field(None, description="client-made UUID: a repeat returns the same center")


class ServiceCenterPatch(InSchema):
    name: str | None = Field(None, min_length=2, max_length=120)
    province: str | None = Field(None, min_length=2, max_length=40)
    county: str | None = Field(None, max_length=40)
    township: str | None = Field(None, max_length=40)
    village: str | None = Field(None, max_length=40)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    payout_currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")


class ServiceCenterOut(Schema):
    id: int
    name: str
    province: str
    county: str
    township: str
    village: str
    region: str
    latitude: Decimal | None
    longitude: Decimal | None
    payout_currency: str
    workshop_count: int = 0

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region_label

    @staticmethod
    def resolve_workshop_count(obj) -> int:
        return getattr(obj, "workshop_count", 0)


class UserIn(InSchema):
    username: str = Field(..., min_length=3, max_length=150, pattern=r"^[\w.@+-]+$")
    role: Literal["merchant", "operator", "lead", "checker", "trainer"]
    organisation_id: int
    display_name: str = Field("", max_length=60)
    phone: str = Field("", pattern=r"^(1\d{10})?$")
    send_sms: bool = Field(False, description="also send the set-password link by SMS")
    key: UUID | None = Field(None, description="client-made UUID: a repeat returns the same user")


class PasswordLinkIn(InSchema):
    send_sms: bool = False


class PasswordLinkOut(Schema):
    url: str = Field(..., description="the one-time set-password link; shown once, never stored")
    expires_at: datetime


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    organisation: OrganisationOut | None
    phone: str
    is_active: bool
    has_password: bool

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display()) if obj.role else ""

    @staticmethod
    def resolve_organisation(obj) -> dict | None:
        org = obj.organisation
        if org is None:
            return None
        return {
            "id": org.pk,
            "kind": org.kind,
            "kind_label": str(org.get_kind_display()),
            "name": org.name,
            "region": org.region_label,
        }

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_has_password(obj) -> bool:
        return obj.has_usable_password()


class UserCreatedOut(UserOut):
    password_link: PasswordLinkOut
