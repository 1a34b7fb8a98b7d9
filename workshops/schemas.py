from datetime import date
from decimal import Decimal

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


class WorkshopOut(Schema):
    id: int
    name: str
    region: str
    province: str
    county: str
    service_center: str | None
    lead: str | None
    daily_capacity: int
    status: str
    status_label: str
    household_count: int
    skills: list[SkillLevelOut]

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
    def resolve_skills(obj) -> list[dict]:
        return skill_levels_out(obj.skill_levels.all())


class HouseholdIn(InSchema):
    name: str = Field(..., min_length=1, max_length=60)
    members: int = Field(1, ge=1, le=20)
    phone: str = Field("", pattern=r"^(1\d{10})?$")
    payment_account: str = Field("", max_length=40, pattern=r"^[0-9A-Za-z]*$")
    payment_account_name: str = Field("", max_length=60)
    skills: dict[str, int] = Field(default_factory=dict)
    joined_on: date | None = None


class HouseholdOut(Schema):
    """Phone and payment account are always masked here; only the bank export shows them."""

    id: int
    workshop_id: int
    name: str
    members: int
    phone: str
    payment_account: str
    joined_on: date
    skills: list[SkillLevelOut]

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
    daily_capacity: int | None = Field(None, le=1_000_000)  # ≥ 1 is the service's rule
    skills: dict[str, int] | None = Field(None, description="replaces the profile: code → 1..3")


class SkillOut(Schema):
    code: str
    name: str
    name_en: str
