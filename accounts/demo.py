"""Demo data for accounts: the operator, merchants, service centers and their people.

``seed_demo`` calls ``seed(ctx)`` of every app that has a ``demo`` module, in app order;
each app adds its part of one believable scenario and records logins on the context.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from .models import Organisation, User
from .services import operator_grant_admin, user_create

# Printed for the demo logins; production users set their own.
DEMO_PASSWORD = "shouchuang-demo"


@dataclass
class DemoContext:
    rng: random.Random
    password: str = DEMO_PASSWORD
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    def add_user(self, key: str, *, username: str, role: str, org: str, name: str, **extra) -> User:
        user = user_create(
            username=username,
            password=self.password,
            role=role,
            organisation=self.orgs[org],
            display_name=name,
            **extra,
        )
        self.users[key] = user
        self.logins.append(
            (username, str(user.get_role_display()), f"{name} · {self.orgs[org].name}")
        )
        return user


def seed(ctx: DemoContext) -> None:
    Kind = Organisation.Kind
    ctx.orgs["operator"] = Organisation.objects.create(
        kind=Kind.OPERATOR,
        name="义乌市手创共富服务基地",
        province="浙江",
        county="义乌市",
        latitude=Decimal("29.306800"),
        longitude=Decimal("120.075100"),
    )
    ctx.orgs["rope_co"] = Organisation.objects.create(
        kind=Kind.MERCHANT,
        name="义乌市金绳编织饰品有限公司",
        province="浙江",
        county="义乌市",
    )
    ctx.orgs["knit_co"] = Organisation.objects.create(
        kind=Kind.MERCHANT,
        name="义乌市暖织针织品有限公司",
        province="浙江",
        county="义乌市",
    )
    ctx.orgs["danba_center"] = Organisation.objects.create(
        kind=Kind.SERVICE_CENTER,
        name="丹巴县手创共富一体化服务中心",
        province="四川",
        county="甘孜州丹巴县",
        latitude=Decimal("30.878400"),
        longitude=Decimal("101.890300"),
    )
    ctx.orgs["bazhong_center"] = Organisation.objects.create(
        kind=Kind.SERVICE_CENTER,
        name="巴中市巴州区手创共富一体化服务中心",
        province="四川",
        county="巴中市巴州区",
        latitude=Decimal("31.851200"),
        longitude=Decimal("106.768900"),
    )
    Role = User.Role
    ctx.add_user(
        "operator",
        username="yunying",
        role=Role.OPERATOR,
        org="operator",
        name="陈晓燕",
        is_staff=True,
    )
    ctx.add_user(
        "merchant_rope",
        username="shangjia_jinsheng",
        role=Role.MERCHANT,
        org="rope_co",
        name="蒋丽娟",
    )
    ctx.add_user(
        "merchant_knit",
        username="shangjia_nuanzhi",
        role=Role.MERCHANT,
        org="knit_co",
        name="吴海波",
    )
    ctx.add_user(
        "checker_danba",
        username="zhijian_danba",
        role=Role.CHECKER,
        org="danba_center",
        name="泽仁拉姆",
    )
    ctx.add_user(
        "checker_bazhong",
        username="zhijian_bazhong",
        role=Role.CHECKER,
        org="bazhong_center",
        name="何春梅",
    )
    ctx.add_user(
        "trainer_yiwu", username="laoshi_yiwu", role=Role.TRAINER, org="operator", name="楼建芬"
    )
    ctx.add_user(
        "trainer_danba",
        username="laoshi_danba",
        role=Role.TRAINER,
        org="danba_center",
        name="余小鑫",
    )
    operator_grant_admin(user=ctx.users["operator"])
