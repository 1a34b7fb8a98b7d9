"""People, organisations, workshops and households of the national data set."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.apps import apps

from ._base import COUNTIES, PROVINCES, SKILLS, World, card_code


def user_row(world: World, username: str, role: str, org: int, name: str) -> int:
    return world.sink.add(
        apps.get_model("accounts", "User"),
        {
            "password": world.password,
            "username": username,
            "role": role,
            "organisation_id": org,
            "display_name": name,
            "date_joined": world.start,
            "last_login": None,
        },
    )


def make_people(world: World) -> None:
    Organisation = apps.get_model("accounts", "Organisation")
    Skill = apps.get_model("workshops", "Skill")
    sink, rng, s = world.sink, world.rng, world.sizes
    for code, name, name_en in SKILLS:
        skill, _ = Skill.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
        world.skills[code] = skill.pk
    world.operator_org = sink.add(
        Organisation,
        {
            "kind": "operator",
            "name": "义乌市手创共富服务基地",
            "province": "浙江",
            "county": "义乌市",
        },
    )
    world.operator = user_row(world, "operator1", "operator", world.operator_org, "运营一")
    user_row(world, "operator2", "operator", world.operator_org, "运营二")
    for i in range(s.centres):
        province = PROVINCES[i % len(PROVINCES)]
        org = sink.add(
            Organisation,
            {
                "kind": "service_center",
                "name": f"{province}一体化服务中心{i:02d}",
                "province": province,
                "county": f"{province}县{i:03d}",
                "latitude": Decimal(f"{25 + rng.random() * 15:.6f}"),
                "longitude": Decimal(f"{90 + rng.random() * 25:.6f}"),
            },
        )
        world.centres.append(org)
        world.checkers[org] = [
            user_row(world, f"checker{i:02d}-{k}", "checker", org, f"质检员{i:02d}-{k}")
            for k in range(3)
        ]
    for i in range(s.merchants):
        org = sink.add(
            Organisation,
            {
                "kind": "merchant",
                "name": f"义乌商家{i:03d}",
                "province": "浙江",
                "county": "义乌市",
            },
        )
        world.merchants.append(
            (org, user_row(world, f"merchant{i:03d}", "merchant", org, f"商家{i:03d}"))
        )


def make_workshops(world: World) -> None:
    Organisation = apps.get_model("accounts", "Organisation")
    Workshop = apps.get_model("workshops", "Workshop")
    WorkshopSkill = apps.get_model("workshops", "WorkshopSkill")
    Household = apps.get_model("workshops", "Household")
    HouseholdSkill = apps.get_model("workshops", "HouseholdSkill")
    Share = apps.get_model("payouts", "PayoutShareConfig")
    sink, rng, s = world.sink, world.rng, world.sizes
    # Skewed sizes: log-normal, scaled to the total; the biggest lead brings 300+ households.
    weights = sorted((rng.lognormvariate(0, 0.85) for _ in range(s.workshops)), reverse=True)
    total = sum(weights)
    per = [max(3, int(w / total * s.households)) for w in weights]
    if s.workshops >= 200:
        per[0] = max(per[0], 320)
    while sum(per) > s.households:
        i = rng.randrange(len(per))
        if per[i] > 3:
            per[i] -= 1
    i = 0
    while sum(per) < s.households:
        per[i % len(per)] += 1
        i += 1
    rng.shuffle(per)
    codes = list(world.skills)
    joined_floor = (world.start - timedelta(days=5 * 365)).date()
    for n, size in enumerate(per):
        centre = world.centres[n % len(world.centres)]
        county = n * COUNTIES // max(1, s.workshops) if s.workshops >= COUNTIES else n
        org = sink.add(
            Organisation,
            {
                "kind": "workshop",
                "name": f"共富工坊{n:04d}",
                "province": PROVINCES[n % len(world.centres) % len(PROVINCES)],
                "county": f"县{county:03d}",
                "township": f"镇{n % 97:02d}",
                "village": f"村{n:04d}",
                "service_center_id": centre,
                "latitude": Decimal(f"{25 + rng.random() * 15:.6f}"),
                "longitude": Decimal(f"{90 + rng.random() * 25:.6f}"),
            },
        )
        lead = user_row(world, f"lead{n:04d}", "lead", org, f"带头人{n:04d}")
        skills = rng.sample(codes, rng.randint(2, 4))
        workshop = sink.add(
            Workshop,
            {
                "organisation_id": org,
                "lead_id": lead,
                # about 40 pieces a day per household, within 30 %
                "daily_capacity": max(50, int(size * 40 * rng.uniform(0.7, 1.3))),
                "created_at": world.start - timedelta(days=rng.randint(30, 5 * 365)),
            },
        )
        for code in skills:
            sink.add(
                WorkshopSkill,
                {
                    "workshop_id": workshop,
                    "skill_id": world.skills[code],
                    "level": rng.choice((1, 2, 2, 3)),
                },
            )
        sink.add(
            Share,
            {
                "workshop_id": workshop,
                "lead_kind": "percent",
                "lead_value": Decimal(rng.choice(("3", "5", "8"))),
                "center_kind": "percent" if n % 2 else "per_piece",
                "center_value": Decimal("2") if n % 2 else Decimal("0.0100"),
            },
        )
        members = []
        for h in range(size):
            household = sink.add(
                Household,
                {
                    "workshop_id": workshop,
                    "name": f"农户{n:04d}-{h:03d}",
                    "members": rng.choice((1, 1, 2, 2, 3, 4)),
                    "phone": f"139{n:04d}{h:04d}",
                    "payment_account": f"6217{n:06d}{h:09d}",
                    "payment_account_name": f"农户{n:04d}-{h:03d}",
                    "joined_on": joined_floor + timedelta(days=rng.randint(0, 5 * 365)),
                    "is_active": rng.random() > 0.03,
                    "card_code": card_code(n * 1000 + h),
                },
            )
            members.append(household)
            for code in rng.sample(skills, rng.randint(1, 2)):
                sink.add(
                    HouseholdSkill,
                    {
                        "household_id": household,
                        "skill_id": world.skills[code],
                        "level": rng.choice((1, 2, 2, 3)),
                        "source": "declared",
                    },
                )
        world.households[workshop] = members
        world.workshops.append(
            {
                "id": workshop,
                "org": org,
                "lead": lead,
                "centre": centre,
                "skills": set(skills),
                "size": size,
                # per-workshop share of lots rejected at first inspection: 1 – 10 %
                "reject": min(0.10, 0.01 + rng.expovariate(1 / 0.03)),
            }
        )
