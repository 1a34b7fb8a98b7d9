"""Plain builders for test data. Each returns saved rows with sensible defaults."""

import itertools
from decimal import Decimal

from accounts.models import Organisation, User
from accounts.services import api_token_issue
from workshops.models import Household, Skill, Workshop, WorkshopSkill

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def seq() -> int:
    return next(_seq)


def make_org(kind: str = Organisation.Kind.MERCHANT, **fields) -> Organisation:
    n = seq()
    fields.setdefault("name", f"{kind}-{n}")
    return Organisation.objects.create(kind=kind, **fields)


def make_service_center(**fields) -> Organisation:
    fields.setdefault("province", "四川")
    fields.setdefault("latitude", Decimal("30.878400"))
    fields.setdefault("longitude", Decimal("101.890300"))
    return make_org(Organisation.Kind.SERVICE_CENTER, **fields)


def make_user(role: str, organisation: Organisation | None = None, **fields) -> User:
    if organisation is None:
        kind = {
            User.Role.MERCHANT: Organisation.Kind.MERCHANT,
            User.Role.LEAD: Organisation.Kind.WORKSHOP,
            User.Role.CHECKER: Organisation.Kind.SERVICE_CENTER,
            User.Role.TRAINER: Organisation.Kind.OPERATOR,
            User.Role.OPERATOR: Organisation.Kind.OPERATOR,
        }[role]
        organisation = make_org(kind)
    fields.setdefault("username", f"{role}-{seq()}")
    user = User(role=role, organisation=organisation, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_skill(code: str, name: str | None = None) -> Skill:
    skill, _ = Skill.objects.get_or_create(code=code, defaults={"name": name or code})
    return skill


def make_workshop(
    *,
    service_center: Organisation | None = None,
    skills: dict[str, int] | None = None,
    daily_capacity: int = 500,
    with_lead: bool = True,
    **org_fields,
) -> Workshop:
    center = service_center or make_service_center()
    org_fields.setdefault("province", "四川")
    org_fields.setdefault("county", "丹巴县")
    org_fields.setdefault("latitude", Decimal("30.950000"))
    org_fields.setdefault("longitude", Decimal("101.800000"))
    org = make_org(Organisation.Kind.WORKSHOP, service_center=center, **org_fields)
    lead = make_user(User.Role.LEAD, organisation=org) if with_lead else None
    workshop = Workshop.objects.create(organisation=org, lead=lead, daily_capacity=daily_capacity)
    for code, level in (skills or {"raoxian": 2}).items():
        WorkshopSkill.objects.create(workshop=workshop, skill=make_skill(code), level=level)
    return workshop


def make_household(workshop: Workshop, **fields) -> Household:
    fields.setdefault("name", f"农户{seq()}")
    fields.setdefault("phone", "13812345678")
    fields.setdefault("payment_account", "6217000011112222333")
    return Household.objects.create(workshop=workshop, **fields)


def bearer(user: User) -> dict[str, str]:
    """Headers for a request as ``user`` with a fresh API token."""
    _, raw = api_token_issue(user=user)
    return {"Authorization": f"Bearer {raw}"}
