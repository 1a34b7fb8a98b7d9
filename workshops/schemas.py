from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema

from core.schemas import InSchema

SkillLevels = dict[str, int]


class SkillLevelOut(Schema):
    code: str
    name: str
    level: int
    level_label: str


def skill_levels_out(rows) -> list[dict]:
    return [
        {
            "code": row.skill.code,
            "name": row.skill.name,
            "level": row.level,
            "level_label": str(row.get_level_display()),
        }
        for row in rows
    ]


class WorkshopIn(InSchema):
    name: str = Field(..., min_length=2, max_length=120)
    province: str = Field(..., min_length=2, max_length=40)
    county: str = Field(..., min_length=2, max_length=40)
    township: str = Field("", max_length=40)
    village: str = Field("", max_length=40)
    service_center_id: int
    daily_capacity: int = Field(..., ge=1, le=1_000_000)
    skills: dict[str, int] = Field(default_factory=dict, description="skill code → level 1..3")
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    key: UUID | None = Field(None, description="client-made UUID: a repeat returns the same one")
    language: str | None = Field(
        None, max_length=15, description="one of the site's languages; omitted: the default"
    )
    time_zone: str | None = Field(
        None, max_length=40, description="IANA time zone name; omitted: the default"
    )


class WorkshopOut(Schema):
    id: int
    name: str
    region: str
    province: str
    county: str
    service_center: str | None
    lead: str | None
    daily_capacity: int
    # A lead's increase waiting for an operator (daily_capacity is still the old one).
    pending_daily_capacity: int | None = None
    status: str
    status_label: str
    household_count: int
    skills: list[SkillLevelOut]
    language: str
    time_zone: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.organisation.region_label

    @staticmethod
    def resolve_province(obj) -> str:
        return obj.organisation.province

    @staticmethod
    def resolve_county(obj) -> str:
        return obj.organisation.county

    @staticmethod
    def resolve_service_center(obj) -> str | None:
        center = obj.organisation.service_center
        return center.name if center else None

    @staticmethod
    def resolve_lead(obj) -> str | None:
        return str(obj.lead) if obj.lead else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_household_count(obj) -> int:
        return getattr(obj, "household_count", 0)

    @staticmethod
    def resolve_pending_daily_capacity(obj) -> int | None:
        return getattr(obj, "pending_daily_capacity", None)

    @staticmethod
    def resolve_skills(obj) -> list[dict]:
        return skill_levels_out(obj.skill_levels.all())


class HouseholdIn(InSchema):
    name: str = Field(..., min_length=1, max_length=60)
    members: int = Field(1, ge=1, le=20)
    village: str = Field("", max_length=40)
    phone: str = Field("", pattern=r"^(1\d{10})?$")
    payment_account: str = Field("", max_length=40, pattern=r"^[0-9A-Za-z]*$")
    payment_account_name: str = Field("", max_length=60)
    birth_year: int | None = Field(None, ge=1900, le=2100, description="the passbook's factor")
    skills: dict[str, int] = Field(default_factory=dict)
    joined_on: date | None = None
    key: UUID | None = Field(None, description="client-made UUID: a repeat returns the same one")


class HouseholdPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=60)
    members: int | None = Field(None, ge=1, le=20)
    phone: str | None = Field(None, pattern=r"^(1\d{10})?$")
    payment_account: str | None = Field(None, max_length=40, pattern=r"^[0-9A-Za-z]*$")
    payment_account_name: str | None = Field(None, max_length=60)
    birth_year: int | None = Field(None, ge=1900, le=2100)
    language: str | None = Field(
        None, max_length=15, description="one of the site's languages; \"\" = the workshop's"
    )
    time_zone: str | None = Field(
        None, max_length=40, description='an IANA time zone (Asia/Tashkent); "" = the workshop\'s'
    )
    reason: str = Field("", max_length=200)


class HouseholdActiveIn(InSchema):
    reason: str = Field("", max_length=200, description="why (required to deactivate)")


class LeadIn(InSchema):
    username: str = Field(..., min_length=3, max_length=150, pattern=r"^[\w.@+-]+$")
    display_name: str = Field("", max_length=60)
    phone: str = Field("", pattern=r"^(1\d{10})?$")
    key: UUID | None = None


class WorkshopLeadIn(InSchema):
    """Either ``user_id`` (an active lead user of the workshop's organisation) or ``new_lead``."""

    user_id: int | None = None
    new_lead: LeadIn | None = None
    reason: str = Field(..., max_length=200)
    send_sms: bool = Field(False, description="send a new lead's set-password link by SMS")


class WorkshopLeadOut(Schema):
    workshop: "WorkshopOut"
    password_link: str | None = Field(
        None, description="a new lead's one-time set-password link (shown once)"
    )


class SkillIn(InSchema):
    code: str = Field(..., pattern=r"^[a-z0-9-]{2,40}$")
    name: str = Field(..., min_length=1, max_length=40)
    name_en: str = Field("", max_length=60)
    key: UUID | None = None


class SkillPatch(InSchema):
    name: str = Field(..., min_length=1, max_length=40)
    name_en: str | None = Field(None, max_length=60)


class HouseholdOut(Schema):
    """Phone and payment account are always masked here; only the bank export shows them."""

    id: int
    workshop_id: int
    name: str
    members: int
    village: str
    phone: str
    payment_account: str
    joined_on: date
    is_active: bool
    skills: list[SkillLevelOut]
    # Blank: the workshop's.
    language: str
    time_zone: str

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_payment_account(obj) -> str:
        return obj.payment_account_masked

    @staticmethod
    def resolve_skills(obj) -> list[dict]:
        return skill_levels_out(obj.skill_levels.all())


class WorkshopPatch(InSchema):
    name: str | None = Field(None, min_length=2, max_length=120, description="operator only")
    province: str | None = Field(None, min_length=2, max_length=40, description="operator only")
    county: str | None = Field(None, min_length=2, max_length=40, description="operator only")
    township: str | None = Field(None, max_length=40, description="operator only")
    village: str | None = Field(None, max_length=40, description="operator only")
    service_center_id: int | None = Field(None, description="operator only")
    daily_capacity: int | None = Field(None, le=1_000_000)  # ≥ 1 is the service's rule
    skills: dict[str, int] | None = Field(
        None,
        description="operator only, with a reason: replaces the profile (code → 1..3); "
        "certified skills stay",
    )
    language: str | None = Field(
        None, max_length=15, description="operator only: one of the site's languages"
    )
    time_zone: str | None = Field(
        None, max_length=40, description="operator only: an IANA time zone (Africa/Dakar)"
    )
    reason: str = Field("", max_length=200, description="why (required with skills)")


class SkillOut(Schema):
    code: str
    name: str
    name_en: str
    retired: bool

    @staticmethod
    def resolve_retired(obj) -> bool:
        return obj.retired_at is not None


class CapacityChangeOut(Schema):
    id: int
    workshop_id: int
    from_capacity: int
    to_capacity: int
    reason: str
    status: str
    status_label: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_requested_by(obj) -> str:
        return str(obj.requested_by)

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return str(obj.decided_by) if obj.decided_by_id else None


class CapacityConfirmIn(InSchema):
    note: str = Field("", max_length=200)


class CapacityRejectIn(InSchema):
    reason: str = Field(..., max_length=200)


class SkillChangeOut(Schema):
    id: int
    skill: str
    skill_name: str
    from_level: int | None
    to_level: int | None
    source: str
    actor: str | None
    household_id: int | None
    reason: str
    at: datetime

    @staticmethod
    def resolve_skill(obj) -> str:
        return obj.skill.code

    @staticmethod
    def resolve_skill_name(obj) -> str:
        return obj.skill.name

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class HouseholdCardOut(Schema):
    """A household's card: its code as the machine reads it and as it is printed."""

    household_id: int
    name: str
    village: str
    card_code: str
    card_display: str
    card_issued_at: datetime
    passbook_url: str

    @staticmethod
    def resolve_household_id(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_passbook_url(obj) -> str:
        from .card_sheets import passbook_url

        return passbook_url(obj.card_code)


class CardReissueIn(InSchema):
    reason: str = Field(..., max_length=200, description="why (lost, damaged): required")
