# ruff: noqa: E501 - the invariants are SQL, one statement to a string, and rows are dicts
"""A national year of Shouchuang in one database, made by one command, checked at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_national_bench \\
        python -m benchmarks national [--scale 1.0] [--seed 2026] [--force]

At ``--scale 1.0`` (the programme's figures, DOMAIN.md and the seed text): 32 provinces with a
service centre each, 649 counties, ~2,000 workshops whose sizes are skewed (most a few dozen
households, the biggest 300+), 61,000 households, ~700 orders of a few hundred to 2.8 million
pieces published through a year with seasons, their batches claimed, produced, returned,
packed into lots, scanned at every hand-over, inspected (ISO 2859-1 plans, a rejection rate
per workshop, rejected lots sorted, reworked or scrapped), piece outcomes, ~150,000 trainees
in cohorts with their progress logs and assessments, and monthly payout periods computed,
approved and paid by the real payout services (``period_compute``, ``period_approve``,
``period_mark_paid``: claims, pools, lines, ledger and statements are theirs, not ours).

Everything before the payouts is written directly, with explicit ids: PostgreSQL ``COPY``
(psycopg) in one transaction, or ``bulk_create`` on SQLite (small scales, the test suite). The
history is made by a timeline per batch (claim, start, return, inspect, close) cut at "now", so
a year-old order is complete and last week's still has open batches. The command ends by
checking every invariant of DOMAIN.md that the data can break (``check``) and prints the sizes
and timings. PostgreSQL databases are WIPED first: the name must contain "national" or
"bench" (or pass ``--force``).

Every generated person signs in with the password ``PASSWORD`` below (benchmark data only).
"""

from __future__ import annotations

import argparse
import importlib
import math
import random
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

PASSWORD = "national-bench-2026"
WIPED_APPS = ["allocation", "payouts", "quality", "orders", "trainees", "workshops", "jobs"]
WIPED_ACCOUNTS = ["accounts_apitoken", "accounts_user", "accounts_organisation"]
SEEDS = [("orders", "0003_seed_minimum_wages"), ("trainees", "0002_seed_lead_programme")]

PROVINCES = [
    "四川", "新疆", "贵州", "云南", "甘肃", "青海", "西藏", "宁夏", "广西", "湖南", "湖北",
    "江西", "安徽", "河南", "河北", "山西", "陕西", "内蒙古", "吉林", "黑龙江", "辽宁", "山东",
    "江苏", "浙江", "福建", "广东", "海南", "重庆", "北京", "天津", "上海", "西藏林芝",
]  # fmt: skip
COUNTIES = 649
SKILLS = [
    ("raoxian", "绕线", "Winding"),
    ("dajie", "打结", "Knotting"),
    ("bianzhi", "编织", "Braiding"),
    ("gouzhen", "钩针", "Crochet"),
    ("liusu", "流苏制作", "Tassel making"),
    ("chuanzhu", "串珠", "Beading"),
]
PRODUCTS = [
    ("手工编织腰带", "bianzhi", "0.85", "9"),
    ("绕线流苏挂饰", "liusu", "0.32", "4"),
    ("中国结挂件", "dajie", "0.60", "7"),
    ("钩针杯垫", "gouzhen", "0.95", "12"),
    ("串珠手链", "chuanzhu", "0.45", "5"),
    ("绕线发绳", "raoxian", "0.12", "2"),
    ("编织手提包", "bianzhi", "6.50", "70"),
    ("钩针玩偶", "gouzhen", "4.20", "45"),
]
# Orders published per month of the year (index 0 = the first month of the history): Yiwu's
# export season peaks from summer to the autumn fairs; the Spring Festival month is quiet.
SEASON = [1.0, 0.5, 0.9, 1.0, 1.1, 1.3, 1.5, 1.6, 1.5, 1.3, 1.0, 0.9]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DAY = timedelta(days=1)


@dataclass
class Sizes:
    scale: float
    centres: int
    workshops: int
    households: int
    merchants: int
    orders: int
    pieces: int
    trainees: int
    trainers: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            scale=scale,
            centres=32 if scale >= 0.1 else max(2, round(320 * scale)),
            workshops=max(6, round(2000 * scale)),
            households=max(40, round(61_000 * scale)),
            merchants=max(3, round(80 * scale)),
            orders=max(8, round(700 * scale)),
            pieces=max(20_000, round(50_000_000 * scale)),
            trainees=max(100, round(150_000 * scale)),
            trainers=max(3, round(150 * scale)),
        )


# --- Writing rows fast -----------------------------------------------------------------------


class Sink:
    """Rows as dicts keyed by attname, ids given by us; COPY on PostgreSQL, bulk_create else."""

    CHUNK = 50_000

    def __init__(self) -> None:
        self.pending: dict[type, list[dict]] = defaultdict(list)
        self.next_id: dict[type, int] = {}
        self.written: dict[str, int] = defaultdict(int)
        self.models: set[type] = set()
        self.postgres = connection.vendor == "postgresql"

    def new_id(self, model) -> int:
        if model not in self.next_id:
            top = model.objects.aggregate(top=Max("pk"))["top"] or 0
            self.next_id[model] = top + 1
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def add(self, model, row: dict) -> int:
        """Queue a row; gives it an id unless it has one (or the model has no "id")."""
        if "id" not in row and model._meta.pk.attname == "id":
            row["id"] = self.new_id(model)
        rows = self.pending[model]
        rows.append(row)
        if len(rows) >= self.CHUNK:
            self.flush(model)
        return row.get("id", 0)

    def flush(self, model=None) -> None:
        for m in [model] if model else list(self.pending):
            rows = self.pending.pop(m, [])
            if rows:
                self._write(m, rows)

    def _write(self, model, rows: list[dict]) -> None:
        self.models.add(model)
        self.written[model._meta.db_table] += len(rows)
        if not self.postgres:
            model.objects.bulk_create([model(**row) for row in rows], batch_size=500)
            return
        fields = list(model._meta.concrete_fields)
        # a field not given gets its default ("" for text fields without one)
        defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        names = [f.attname for f in fields]
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for copy()
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[n] if n in row else defaults.get(n) for n in names])

    def reset_sequences(self) -> None:
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), sorted(self.models, key=str)):
                cursor.execute(sql)


def lot_code(n: int) -> str:
    from quality.codes import check_character

    body = ""
    value = n + 32**7 * 27  # starts with "V": never one of the platform's random codes here
    for _ in range(8):
        body = CROCKFORD[value % 32] + body
        value //= 32
    return body + check_character(body)


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` in ``parts`` positive, uneven pieces (parts ≤ total)."""
    parts = max(1, min(parts, total))
    weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    out = [1 + int(w * scale) for w in weights]
    out[0] += total - sum(out)
    return out


# --- The year --------------------------------------------------------------------------------


@dataclass
class World:
    now: datetime
    start: datetime
    rng: random.Random
    sink: Sink
    sizes: Sizes
    password: str
    operator: int = 0
    operator_org: int = 0
    centres: list[int] = field(default_factory=list)
    checkers: dict[int, list[int]] = field(default_factory=dict)  # centre org -> users
    workshops: list[dict] = field(default_factory=list)
    households: dict[int, list[int]] = field(default_factory=dict)  # workshop -> households
    skills: dict[str, int] = field(default_factory=dict)
    merchants: list[tuple[int, int]] = field(default_factory=list)  # (org, user)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def build(*, scale: float = 1.0, seed: int = 2026, now: datetime | None = None, echo=print) -> dict:
    """Write the national set into the (empty) database; returns phase timings in seconds."""
    sizes = Sizes.at(scale)
    now = now or timezone.now()
    world = World(
        now=now,
        start=now - timedelta(days=365),
        rng=random.Random(seed),
        sink=Sink(),
        sizes=sizes,
        password=make_password(PASSWORD),
    )
    timings: dict[str, float] = {}

    def phase(name, fn):
        began = time.perf_counter()
        fn(world)
        world.sink.flush()
        timings[name] = time.perf_counter() - began
        echo(f"  {name:<24} {timings[name]:7.1f} s", flush=True)

    fast_keys = world.sink.postgres and superuser()
    with transaction.atomic():
        if fast_keys:
            # Per-row foreign-key triggers, deferred to COMMIT, cost minutes for millions of
            # rows: turned off while this transaction writes, then every foreign key of every
            # table written is checked in one anti-join each (``foreign_keys_dangling``).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        phase("organisations, people", make_people)
        phase("workshops, households", make_workshops)
        phase("orders and their year", make_orders)
        phase("trainees", make_trainees)
        world.sink.reset_sequences()
        if fast_keys:
            began = time.perf_counter()
            dangling = foreign_keys_dangling(world.sink.models)
            if dangling:
                raise RuntimeError(f"rows point at nothing: {dangling}")  # rolls back
            timings["foreign keys checked"] = time.perf_counter() - began
            echo(f"  {'foreign keys checked':<24} {timings['foreign keys checked']:7.1f} s")
    if world.sink.postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    began = time.perf_counter()
    make_payouts(world, echo)
    timings["payout periods (services)"] = time.perf_counter() - began
    echo(f"  {'payout periods (services)':<24} {timings['payout periods (services)']:7.1f} s")
    return timings


def superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def foreign_keys_dangling(models) -> list[str]:
    """Every foreign key of ``models`` whose value names no row: one anti-join per key."""
    dangling = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in sorted(models, key=lambda m: m._meta.db_table):
            for f in model._meta.concrete_fields:
                if not f.is_relation or not f.db_constraint:
                    continue
                target = f.related_model._meta
                column = f.target_field.column
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} c "
                    f"WHERE c.{quote(f.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{quote(target.db_table)} p WHERE p.{quote(column)} = c.{quote(f.column)})"
                )
                count = cursor.fetchone()[0]
                if count:
                    dangling.append(f"{model._meta.db_table}.{f.column}: {count}")
    return dangling


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


def make_orders(world: World) -> None:
    Order = apps.get_model("orders", "Order")
    OrderSkill = Order.required_skills.through
    sink, rng, s, now = world.sink, world.rng, world.sizes, world.now
    # Quantities: log-normal from a few hundred up, scaled to the year's pieces; from scale 0.3
    # one merchant's 2.8-million-piece belt order to one region (the seed text's figure).
    raw = [rng.lognormvariate(math.log(20_000), 1.6) for _ in range(s.orders)]
    total = sum(raw)
    quantities = [max(300, int(q / total * s.pieces)) for q in raw]
    big = s.scale >= 0.3
    if big:
        quantities[0] = 2_800_000
    month_weights = SEASON
    by_skill = defaultdict(list)
    for w in world.workshops:
        for code in w["skills"]:
            by_skill[code].append(w)
    for n, quantity in enumerate(quantities):
        product, skill, fee, minutes = PRODUCTS[0] if big and n == 0 else rng.choice(PRODUCTS)
        merchant, merchant_user = world.merchants[
            0 if n == 0 else rng.randrange(len(world.merchants))
        ]
        month = rng.choices(range(12), weights=month_weights)[0]
        published = world.start + timedelta(
            days=month * 30.4 + rng.uniform(0, 30), hours=rng.uniform(8, 18)
        )
        if n == 0 and big:
            published = world.start + timedelta(days=20)
        if n >= s.orders - max(2, s.orders // 20):  # this fortnight's orders: still open
            published = now - timedelta(days=rng.uniform(0.2, 14))
        if published > now - timedelta(hours=2):
            published = now - timedelta(days=rng.uniform(1, 20))
        nb_target = max(1, min(600, round(quantity / 2000)))
        batch_size = -(-quantity // nb_target)
        batch_size = min(quantity, max(200, int(round(batch_size, -2))))
        batches = -(-quantity // batch_size)
        # Spread the order's batches: big orders keep coming through the months.
        span = min(320.0, 3 + batches * 0.45)
        deadline = (published + timedelta(days=span + 30 + rng.uniform(0, 30))).date()
        fee_d = Decimal(fee) * Decimal(rng.choice(("0.9", "1", "1", "1.1", "1.2")))
        region = world.centres[0] if n == 0 and big else None
        order_id = sink.new_id(Order)
        order_row = {
            "id": order_id,
            "merchant_id": merchant,
            "created_by_id": merchant_user,
            "product_name": f"{product}·{n:03d}",
            "spec": f"{product}，按样品{n:03d}",
            "quantity": quantity,
            "fee_per_piece": fee_d.quantize(Decimal("0.0001")),
            "rework_fee_per_piece": (fee_d * Decimal("0.8")).quantize(Decimal("0.0001"))
            if n % 3 == 0
            else None,
            "standard_minutes": Decimal(minutes),
            "deadline": deadline,
            "batch_size": batch_size,
            "aql": Decimal(rng.choice(("1.5", "2.5", "2.5", "4.0"))),
            "inspection_level": "II",
            "service_center_id": region,
            "status": "published",
            "created_at": published - timedelta(hours=3),
            "published_at": published,
        }
        sink.add(OrderSkill, {"order_id": order_id, "skill_id": world.skills[skill]})
        candidates = by_skill.get(skill) or world.workshops
        if region:
            candidates = [w for w in world.workshops if w["centre"] == region] or candidates
        all_closed = True
        left = quantity
        for b in range(batches):
            size = min(batch_size, left)
            left -= size
            offset = span * b / batches
            closed = make_batch(
                world,
                order_row,
                b + 1,
                size,
                published + timedelta(days=offset),
                Decimal(minutes),
                candidates,
            )
            all_closed = all_closed and closed
        if all_closed:
            order_row["status"] = "completed"
        sink.add(Order, order_row)
        world.counts["orders"] += 1


def make_batch(world, order, number, quantity, available, minutes, candidates) -> bool:
    """One batch's life up to now; returns True when it is closed. Its row is queued last,
    when its status is known (a queued row may be written at once)."""
    row = {
        "id": world.sink.new_id(apps.get_model("orders", "Batch")),
        "order_id": order["id"],
        "number": number,
        "quantity": quantity,
        "status": "open",
        "updated_at": min(world.now, available),
    }
    try:
        return _batch_life(world, row, order, minutes, candidates)
    finally:
        world.sink.add(apps.get_model("orders", "Batch"), row)
        world.counts["batches"] += 1


def _batch_life(world, row, order, minutes, candidates) -> bool:
    BatchEvent = apps.get_model("orders", "BatchEvent")
    sink, rng, now = world.sink, world.rng, world.now
    batch, quantity, available = row["id"], row["quantity"], row["updated_at"]
    claim = available + timedelta(days=rng.expovariate(1 / 1.5))
    if claim > now:
        return False
    workshop = rng.choices(candidates, weights=[w["size"] for w in candidates])[0]
    members = world.households[workshop["id"]]
    k = max(1, min(len(members), 40, quantity // 120 + 1))
    start = claim + timedelta(days=rng.uniform(0.5, 3))
    per_day = k * 240 / float(minutes)  # pieces a day: four hours a household
    returned = start + timedelta(days=max(1.0, quantity / per_day) * rng.uniform(0.8, 1.3))
    row.update(workshop_id=workshop["id"], claimed_by_id=workshop["lead"], claimed_at=claim)
    lead, checkers = workshop["lead"], world.checkers[workshop["centre"]]

    def event(before, after, at, actor):
        sink.add(
            BatchEvent,
            {
                "batch_id": batch,
                "from_status": before,
                "to_status": after,
                "workshop_id": workshop["id"],
                "actor_id": actor,
                "reason": "",
                "at": at,
            },
        )

    event("open", "claimed", claim, lead)
    row.update(status="claimed", updated_at=claim)
    # materials go out from the centre, received at the workshop when production starts
    material = make_lot(
        world, batch, workshop, "material", quantity, claim + timedelta(hours=4), checkers
    )
    scans = [
        ("packed", claim + timedelta(hours=4), checkers[0]),
        ("shipped", claim + timedelta(hours=8), checkers[0]),
        ("received", start, lead),
    ]
    write_scans(world, material, [sc for sc in scans if sc[1] <= now])
    add_lot(world, material)
    if start > now:
        return False
    row.update(status="in_production", production_started_at=start, updated_at=start)
    event("claimed", "in_production", start, lead)
    chosen = rng.sample(members, k)
    issued = split(quantity, k, rng)
    done = min(1.0, (now - start) / (returned - start))
    returned_by = make_tickets(world, batch, chosen, issued, start, returned, done, lead)
    if returned > now:
        return False
    row.update(status="returned", updated_at=returned)
    event("in_production", "returned", returned, lead)
    closed_at = make_finished_lots(world, batch, order, workshop, returned_by, returned, checkers)
    if closed_at is None:
        return False
    inspected_at, closed_at = closed_at
    row.update(status="inspected", updated_at=inspected_at)
    event("returned", "inspected", inspected_at, checkers[0])
    if closed_at > now:
        return False
    row.update(status="closed", updated_at=closed_at)
    event("inspected", "closed", closed_at, checkers[0])
    return True


def make_tickets(world, batch, households, issued, start, returned, done, lead) -> dict[int, int]:
    Ticket = apps.get_model("orders", "Ticket")
    TicketReturn = apps.get_model("orders", "TicketReturn")
    sink, rng = world.sink, world.rng
    returned_by = {}
    for household, count in zip(households, issued, strict=True):
        lost = 1 if count > 50 and rng.random() < 0.03 else 0
        back = int((count - lost) * done) if done < 1 else count - lost
        lost = lost if done >= 1 else 0
        ticket = sink.add(
            Ticket,
            {
                "batch_id": batch,
                "household_id": household,
                "issued": count,
                "returned": back,
                "lost": lost,
                "issued_by_id": lead,
                "issued_at": start,
                "idempotency_key": uuid.UUID(int=rng.getrandbits(128)),
            },
        )
        world.counts["tickets"] += 1
        if back or lost:
            first = back // 2 if done >= 1 and back > 1 else back
            sink.add(
                TicketReturn,
                {
                    "ticket_id": ticket,
                    "returned": first,
                    "lost": 0 if first != back else lost,
                    "loss_reason": "" if first != back or not lost else "运输途中遗失",
                    "recorded_by_id": lead,
                    "recorded_at": start + (returned - start) * 0.5,
                },
            )
            if first != back:
                sink.add(
                    TicketReturn,
                    {
                        "ticket_id": ticket,
                        "returned": back - first,
                        "lost": lost,
                        "loss_reason": "运输途中遗失" if lost else "",
                        "recorded_by_id": lead,
                        "recorded_at": returned,
                    },
                )
        if back:
            returned_by[household] = back
    return returned_by


def make_lot(world, batch, workshop, kind, quantity, at, checkers, **extra) -> dict:
    Lot = apps.get_model("quality", "Lot")
    lot = {
        "kind": kind,
        "batch_id": batch,
        "workshop_id": workshop["id"],
        "quantity": quantity,
        "created_by_id": checkers[0] if kind == "material" else workshop["lead"],
        "created_at": at,
        "round_started_at": at,
        "stage_changed_at": at,
        "stage": "packed",
        "verdict": "pending",
        "round": 1,
        **extra,
    }
    lot["id"] = world.sink.new_id(Lot)
    lot["code"] = lot_code(lot["id"])
    return lot


def add_lot(world, lot: dict) -> None:
    """Queue a lot once its scans have moved it to where it stands."""
    world.sink.add(apps.get_model("quality", "Lot"), lot)
    world.counts["lots"] += 1


def write_scans(world, lot, scans) -> None:
    """Custody scans (action, device time, actor), in order; the lot ends at the last one."""
    ScanEvent = apps.get_model("quality", "ScanEvent")
    rng = world.rng
    for action, at, actor in scans:
        key = uuid.UUID(int=rng.getrandbits(128)).hex
        # a phone offline in the mountains sends some scans days later
        late = (
            timedelta(days=rng.uniform(1, 4))
            if rng.random() < 0.05
            else timedelta(seconds=rng.uniform(1, 60))
        )
        world.sink.add(
            ScanEvent,
            {
                "key": key,
                "body_hash": key + key,
                "lot_id": lot["id"],
                "action": action,
                "device_time": at,
                "recorded_at": min(world.now, at + late),
                "actor_id": actor,
                "applied": True,
                "flag": "",
                "stage_before": lot["stage"],
                "stage_after": action,
                "note": "",
            },
        )
        lot["stage"], lot["stage_changed_at"] = action, at
        world.counts["scans"] += 1


PLANS: dict[tuple[int, Decimal], object] = {}


def plan_for(size: int, aql: Decimal):
    from quality.sampling import sampling_plan

    key = (size, aql)
    if key not in PLANS:
        PLANS[key] = sampling_plan(size, aql, "II", "normal")
    return PLANS[key]


def make_finished_lots(world, batch, order, workshop, returned_by, returned, checkers):
    """Pack the returned pieces into lots, move and inspect them; (inspected_at, closed_at) of the
    batch when every lot is decided by now, else None."""
    Inspection = apps.get_model("quality", "Inspection")
    LotShare = apps.get_model("quality", "LotShare")
    Defect = apps.get_model("quality", "Defect")
    Outcome = apps.get_model("quality", "PieceOutcome")
    sink, rng, now = world.sink, world.rng, world.now
    order_id, aql = order["id"], order["aql"]
    total = sum(returned_by.values())
    lot_count = max(1, -(-total // 1000))
    sizes = split(total, lot_count, rng)
    queue = sorted(returned_by.items())
    lead = workshop["lead"]
    finals = []
    for size in sizes:
        shares: dict[int, int] = {}
        need = size
        while need:
            household, left = queue[0]
            take = min(left, need)
            shares[household] = shares.get(household, 0) + take
            need -= take
            if take == left:
                queue.pop(0)
            else:
                queue[0] = (household, left - take)
        packed = returned - timedelta(hours=rng.uniform(1, 12))
        lot = make_lot(world, batch, workshop, "finished", size, packed, checkers)
        for household, quantity in shares.items():
            sink.add(
                LotShare, {"lot_id": lot["id"], "household_id": household, "quantity": quantity}
            )
        shipped = returned + timedelta(hours=rng.uniform(2, 24))
        received = shipped + timedelta(days=rng.uniform(1, 3))
        inspected = received + timedelta(hours=rng.uniform(2, 30))
        checker = rng.choice(checkers)
        walk = [
            ("packed", packed, lead),
            ("shipped", shipped, lead),
            ("received", received, checker),
        ]
        write_scans(world, lot, [sc for sc in walk if sc[1] <= now])
        if inspected > now:
            finals.append(None)
            add_lot(world, lot)
            continue
        plan = plan_for(size, aql)
        rejected_first = rng.random() < workshop["reject"] and inspected + timedelta(days=6) < now
        round_ = 1

        def inspect(
            at, reject, rework, plan=plan, shares=shares, lot=lot, size=size, checker=checker
        ):
            nonlocal round_
            inspection = {
                "lot_id": lot["id"],
                "round": round_,  # noqa: B023 - the lot's round, moved on by rework
                "checker_id": checker,
                "severity": "normal",
                "level": "II",
                "aql": aql,
                "code_letter": plan.code_letter,
                "lot_size": size,
                "sample_size": plan.sample_size,
                "accept": plan.accept,
                "reject": plan.reject,
                "critical": 0,
                "note": "",
                "created_at": at,
            }
            if reject:
                nc = min(plan.sample_size, plan.reject + rng.randint(0, 2))
            else:
                nc = rng.randint(0, plan.accept) if rng.random() < 0.4 else 0
            inspection.update(nonconforming=nc, verdict="rejected" if reject else "accepted")
            disposition = ""
            if reject:
                disposition = "rework" if rework else rng.choice(("sort", "sort", "sort", "scrap"))
            inspection["disposition"] = disposition
            decided = not reject or disposition in ("sort", "scrap")
            decided_at = at + (timedelta(hours=rng.uniform(2, 20)) if reject else timedelta(0))
            inspection["decided_at"] = decided_at if decided else None
            inspection_id = sink.add(Inspection, inspection)
            world.counts["inspections"] += 1
            traced = rng.choice(list(shares)) if nc else None
            if nc:
                sink.add(
                    Defect,
                    {
                        "inspection_id": inspection_id,
                        "kind": rng.choice(
                            (
                                "loose_thread",
                                "loose_knot",
                                "size_mismatch",
                                "stain",
                                "colour_difference",
                            )
                        ),
                        "defect_class": rng.choice(("major", "minor", "minor")),
                        "count": nc,
                        "household_id": traced,
                    },
                )
            if decided:
                for household, quantity in sorted(shares.items()):
                    if disposition == "scrap":
                        bad = quantity
                    elif disposition == "sort":
                        bad = min(
                            quantity,
                            int(quantity * rng.uniform(0.02, 0.12))
                            + (nc if household == traced else 0),
                        )
                    else:
                        bad = min(quantity, nc) if household == traced else 0
                    sink.add(
                        Outcome,
                        {
                            "lot_id": lot["id"],
                            "inspection_id": inspection_id,
                            "household_id": household,
                            "batch_id": batch,
                            "order_id": order_id,
                            "accepted": quantity - bad,
                            "rejected": bad,
                            "is_rework": round_ > 1,  # noqa: B023
                            "decided_at": decided_at,
                        },
                    )
                    world.counts["outcomes"] += 1
            return decided, disposition, decided_at

        scan_inspected = [("inspected", inspected, checker)]
        write_scans(world, lot, scan_inspected)
        if rejected_first:
            rework = rng.random() < 0.35
            _, disposition, decided_at = inspect(inspected, True, rework)
            if disposition == "rework":
                back = decided_at + timedelta(days=1)
                lot.update(
                    round=2,
                    round_started_at=decided_at,
                    verdict="rework",
                    stage="packed",
                    stage_changed_at=decided_at,
                )
                round_ = 2
                again = back + timedelta(days=rng.uniform(2, 4))
                write_scans(
                    world,
                    lot,
                    [
                        ("shipped", back, lead),
                        ("received", back + timedelta(days=1), checker),
                        ("inspected", again, checker),
                    ],
                )
                _, disposition, decided_at = inspect(again, False, False)
                lot["verdict"] = "accepted"
            else:
                lot["verdict"] = "sorted" if disposition == "sort" else "scrapped"
        else:
            _, disposition, decided_at = inspect(inspected, False, False)
            lot["verdict"] = "accepted"
        if lot["verdict"] in ("accepted", "sorted"):
            delivered = decided_at + timedelta(days=rng.uniform(0.5, 3))
            if delivered <= now:
                write_scans(world, lot, [("delivered", delivered, checker)])
                finals.append((decided_at, delivered))
            else:
                finals.append((decided_at, None))
        else:
            finals.append((decided_at, decided_at))
        add_lot(world, lot)
    if any(f is None for f in finals):
        return None
    inspected_at = max(f[0] for f in finals)
    if any(f[1] is None for f in finals):
        return inspected_at, now + DAY
    return inspected_at, max(f[1] for f in finals) + timedelta(hours=2)


def make_trainees(world: World) -> None:
    Programme = apps.get_model("trainees", "Programme")
    Module = apps.get_model("trainees", "Module")
    Cohort = apps.get_model("trainees", "Cohort")
    CohortTrainer = Cohort.trainers.through
    Trainee = apps.get_model("trainees", "Trainee")
    Log = apps.get_model("trainees", "ProgressLog")
    Assessment = apps.get_model("trainees", "Assessment")
    sink, rng, s, now = world.sink, world.rng, world.sizes, world.now
    lead_programme = Programme.objects.filter(kind="lead").order_by("pk").first()
    if lead_programme is None:  # the migration's seed was removed: make the same programme
        lead_programme = Programme.objects.create(
            code="lingtouyan-180",
            name="领头雁带头人 180 天沉浸式实训",
            kind="lead",
            duration_days=180,
        )
        for i, (name, hours, due) in enumerate(
            [
                ("绕线与打结", 200, 45),
                ("质检标准", 120, 75),
                ("接单与交期", 120, 105),
                ("工坊管理", 180, 145),
                ("电商与直播带货", 170, 180),
            ],
            1,
        ):
            Module.objects.create(
                programme=lead_programme, position=i, name=name, required_hours=hours, due_day=due
            )
    village, made = Programme.objects.get_or_create(
        code="village-30",
        defaults={
            "name": "村级手工技能培训 30 天",
            "kind": "village",
            "duration_days": 30,
            "description": "在村里学一门手艺：绕线、编织、钩针。",
        },
    )
    if made:
        for i, (name, hours, due) in enumerate(
            [("基本针法", 40, 10), ("按样品制作", 50, 22), ("质量与交货", 30, 30)], 1
        ):
            module = Module.objects.create(
                programme=village, position=i, name=name, required_hours=hours, due_day=due
            )
            if i == 1:
                module.skills.set([world.skills["gouzhen"], world.skills["bianzhi"]])
    modules = {
        p.pk: list(Module.objects.filter(programme=p).order_by("position"))
        for p in (lead_programme, village)
    }
    trainer_orgs = [world.operator_org, *world.centres]
    trainers = [
        user_row(
            world,
            f"trainer{i:03d}",
            "trainer",
            trainer_orgs[i % len(trainer_orgs)],
            f"实训老师{i:03d}",
        )
        for i in range(s.trainers)
    ]
    # The Yiwu base's trainers teach the lead cohorts; a village cohort is taught by trainers of
    # one service centre, and its trainees' households are of that centre's workshops (a
    # village teacher sees only trainees of its region).
    by_org: dict[int, list[int]] = defaultdict(list)
    for i, user in enumerate(trainers):
        by_org[trainer_orgs[i % len(trainer_orgs)]].append(user)
    base = by_org[world.operator_org]
    households_of: dict[int, list[int]] = defaultdict(list)
    for w in world.workshops:
        households_of[w["centre"]] += world.households[w["id"]]
    led = [w for w in world.workshops]
    rng.shuffle(led)
    left = s.trainees
    n = 0
    history_start = now - timedelta(days=3 * 365)
    while left > 0:
        lead_kind = n % 10 == 0
        programme = lead_programme if lead_kind else village
        size = min(left, rng.randint(30, 50) if lead_kind else rng.randint(20, 40))
        left -= size
        start = history_start + timedelta(days=rng.uniform(0, 3 * 365 - 5))
        centre = rng.choice(world.centres)
        pool = base if lead_kind else (by_org.get(centre) or base)
        households = households_of[centre]
        cohort = sink.add(
            Cohort,
            {
                "programme_id": programme.pk,
                "name": f"{'领头雁' if lead_kind else '村级'}第{n:04d}期",
                "start_date": start.date(),
                "place_kind": "yiwu_base" if lead_kind else "village",
                "place": "义乌" if lead_kind else f"村{rng.randrange(10_000):04d}",
            },
        )
        teachers = rng.sample(pool, min(len(pool), 2))
        for t in teachers:
            sink.add(CohortTrainer, {"cohort_id": cohort, "user_id": t})
        finished = start + timedelta(days=programme.duration_days) < now
        elapsed = min(programme.duration_days, (now - start).days)
        for k in range(size):
            status, withdrew_on, graduated_on, reason = "in_training", None, None, ""
            if finished:
                roll = rng.random()
                if roll < 0.07:
                    status, reason = "withdrew", "家中有事，无法继续"
                    withdrew_on = (
                        start + timedelta(days=rng.randint(1, programme.duration_days - 1))
                    ).date()
                else:
                    status, graduated_on = (
                        "graduated",
                        (start + timedelta(days=programme.duration_days)).date(),
                    )
            row = {
                "cohort_id": cohort,
                "name": f"学员{n:04d}-{k:02d}",
                "phone": f"137{n:04d}{k:04d}",
                "province": PROVINCES[rng.randrange(len(PROVINCES))],
                "county": f"县{rng.randrange(COUNTIES):03d}",
                "village": f"村{rng.randrange(10_000):04d}",
                "background": "returnee_graduate"
                if lead_kind and k % 2
                else ("local_backbone" if lead_kind else "villager"),
                "status": status,
                "withdraw_reason": reason,
                "withdrawn_on": withdrew_on,
                "graduated_on": graduated_on,
                "household_id": rng.choice(households)
                if not lead_kind and households and rng.random() < 0.3
                else None,
                "enrolled_on": start.date(),
            }
            if lead_kind and status == "graduated" and led and rng.random() < 0.5:
                row.update(led_workshop_id=led.pop()["id"], lead_since=graduated_on)
            trainee = sink.add(Trainee, row)
            world.counts["trainees"] += 1
            reached = [m for m in modules[programme.pk] if m.due_day <= elapsed + 15]
            stop = (withdrew_on - start.date()).days if withdrew_on else elapsed
            for m in reached:
                for _ in range(2 if lead_kind else 1):
                    day = min(stop, max(0, m.due_day - rng.randint(0, 14)))
                    sink.add(
                        Log,
                        {
                            "trainee_id": trainee,
                            "module_id": m.pk,
                            "trainer_id": teachers[0],
                            "session_key": uuid.UUID(int=rng.getrandbits(128)),
                            "date": start.date() + timedelta(days=day),
                            "hours": Decimal(rng.choice(("2", "3", "4", "4.5", "6"))),
                            "activity": "课堂+实操",
                            "score": rng.randint(55, 98) if rng.random() < 0.5 else None,
                            "notes": "",
                            "photo": "",
                            "correction_reason": "",
                            "created_at": min(now, start + timedelta(days=day, hours=18)),
                        },
                    )
                    world.counts["progress logs"] += 1
            if status == "graduated":
                m = modules[programme.pk][0]
                skill = world.skills["raoxian" if lead_kind else rng.choice(("gouzhen", "bianzhi"))]
                sink.add(
                    Assessment,
                    {
                        "trainee_id": trainee,
                        "module_id": m.pk,
                        "skill_id": skill,
                        "level": rng.choice((1, 2, 2, 3)),
                        "score": rng.randint(65, 99),
                        "passed": True,
                        "assessed_on": graduated_on,
                        "certified_on": graduated_on,
                        "assessor_id": teachers[0],
                        "notes": "",
                        "created_at": datetime.combine(
                            graduated_on, datetime.min.time(), tzinfo=now.tzinfo
                        ),
                    },
                )
                world.counts["assessments"] += 1
        n += 1


def make_payouts(world: World, echo) -> None:
    """Monthly periods through the real services: compute, approve, pay (the last month is
    approved but not yet paid; this month is a draft)."""
    from accounts.models import User
    from payouts.services import period_approve, period_compute, period_create, period_mark_paid

    operator = User.objects.get(pk=world.operator)
    tz = timezone.get_current_timezone()
    first = world.start.astimezone(tz).date()
    today = world.now.astimezone(tz).date()
    this_month = today.replace(day=1)
    starts = first
    periods = []
    while starts < this_month:
        nxt = (starts.replace(day=1) + timedelta(days=32)).replace(day=1)
        periods.append((starts, nxt - DAY))
        starts = nxt
    for i, (starts_on, ends_on) in enumerate(periods):
        began = time.perf_counter()
        period = period_create(
            actor=operator, name=f"{starts_on:%Y年%m月}结算", starts_on=starts_on, ends_on=ends_on
        )
        period = period_compute(period_id=period.pk, actor=operator)
        computed = time.perf_counter() - began
        period = period_approve(period_id=period.pk, actor=operator)
        approved = time.perf_counter() - began - computed
        if i < len(periods) - 1:
            period_mark_paid(
                period_id=period.pk, actor=operator, payment_reference=f"BANK-{starts_on:%Y%m}"
            )
        echo(
            f"    period {starts_on:%Y-%m}: {period.pieces + period.rework_pieces:>11,} pieces ¥{period.gross_fen / 100:>14,.2f}  compute {computed:5.1f} s  approve {approved:5.1f} s",
            flush=True,
        )
    period_create(
        actor=operator,
        name=f"{this_month:%Y年%m月}结算",
        starts_on=this_month,
        ends_on=(this_month + timedelta(days=32)).replace(day=1) - DAY,
    )


# --- The invariants --------------------------------------------------------------------------


CHECKS = [
    ("an order's batches add up to its quantity",
     "SELECT COUNT(*) FROM orders_order o WHERE o.status <> 'draft' AND o.quantity <> "
     "(SELECT COALESCE(SUM(b.quantity), 0) FROM orders_batch b WHERE b.order_id = o.id)"),
    ("issued to households ≤ batch quantity",
     "SELECT COUNT(*) FROM orders_batch b WHERE b.quantity < "
     "(SELECT COALESCE(SUM(t.issued), 0) FROM orders_ticket t WHERE t.batch_id = b.id)"),
    ("per ticket returned + lost ≤ issued",
     "SELECT COUNT(*) FROM orders_ticket WHERE returned + lost > issued"),
    ("a ticket's returns add up to its returned and lost",
     "SELECT COUNT(*) FROM orders_ticket t WHERE t.returned <> (SELECT COALESCE(SUM(r.returned), 0) "
     "FROM orders_ticketreturn r WHERE r.ticket_id = t.id) OR t.lost <> (SELECT COALESCE(SUM(r.lost), 0) "
     "FROM orders_ticketreturn r WHERE r.ticket_id = t.id)"),
    ("a loss has a reason",
     "SELECT COUNT(*) FROM orders_ticketreturn WHERE lost > 0 AND loss_reason = ''"),
    ("a ticket's household belongs to the batch's workshop",
     "SELECT COUNT(*) FROM orders_ticket t JOIN orders_batch b ON b.id = t.batch_id "
     "JOIN workshops_household h ON h.id = t.household_id WHERE h.workshop_id <> b.workshop_id"),
    ("pieces packed into finished lots = pieces returned (returned batches and later)",
     "SELECT COUNT(*) FROM orders_batch b WHERE b.status IN ('returned', 'inspected', 'closed') AND "
     "(SELECT COALESCE(SUM(s.quantity), 0) FROM quality_lotshare s JOIN quality_lot l ON l.id = s.lot_id "
     "WHERE l.batch_id = b.id AND l.kind = 'finished') <> "
     "(SELECT COALESCE(SUM(t.returned), 0) FROM orders_ticket t WHERE t.batch_id = b.id)"),
    ("a household's pieces in a batch's lots = what it returned",
     "SELECT COUNT(*) FROM (SELECT l.batch_id, s.household_id, SUM(s.quantity) AS q FROM quality_lotshare s "
     "JOIN quality_lot l ON l.id = s.lot_id GROUP BY l.batch_id, s.household_id) p WHERE p.q <> "
     "(SELECT COALESCE(SUM(t.returned), 0) FROM orders_ticket t WHERE t.batch_id = p.batch_id "
     "AND t.household_id = p.household_id)"),
    ("a lot's shares add up to the lot",
     "SELECT COUNT(*) FROM quality_lot l WHERE l.kind = 'finished' AND l.quantity <> "
     "(SELECT COALESCE(SUM(s.quantity), 0) FROM quality_lotshare s WHERE s.lot_id = l.id)"),
    ("a lot belongs to its batch's workshop",
     "SELECT COUNT(*) FROM quality_lot l JOIN orders_batch b ON b.id = l.batch_id "
     "WHERE l.workshop_id <> b.workshop_id OR b.workshop_id IS NULL"),
    ("for a decided inspection, accepted + rejected = lot quantity",
     "SELECT COUNT(*) FROM quality_inspection i JOIN quality_lot l ON l.id = i.lot_id "
     "WHERE i.decided_at IS NOT NULL AND i.lot_size <> l.quantity OR i.decided_at IS NOT NULL AND "
     "l.quantity <> (SELECT COALESCE(SUM(o.accepted + o.rejected), 0) FROM quality_pieceoutcome o "
     "WHERE o.inspection_id = i.id)"),
    ("an undecided inspection has no outcomes",
     "SELECT COUNT(*) FROM quality_pieceoutcome o JOIN quality_inspection i ON i.id = o.inspection_id "
     "WHERE i.decided_at IS NULL"),
    ("an outcome's household, batch and order are its lot's",
     "SELECT COUNT(*) FROM quality_pieceoutcome o JOIN quality_lot l ON l.id = o.lot_id "
     "JOIN orders_batch b ON b.id = l.batch_id WHERE o.batch_id <> l.batch_id OR o.order_id <> b.order_id "
     "OR NOT EXISTS (SELECT 1 FROM quality_lotshare s WHERE s.lot_id = l.id AND s.household_id = o.household_id)"),
    ("a lot has one decided inspection at most",
     "SELECT COUNT(*) FROM (SELECT lot_id FROM quality_inspection WHERE decided_at IS NOT NULL "
     "GROUP BY lot_id HAVING COUNT(*) > 1) x"),
    ("a closed batch has every lot decided",
     "SELECT COUNT(*) FROM quality_lot l JOIN orders_batch b ON b.id = l.batch_id WHERE b.status = 'closed' "
     "AND l.kind = 'finished' AND l.verdict NOT IN ('accepted', 'sorted', 'scrapped')"),
    ("a completed order has every batch closed",
     "SELECT COUNT(*) FROM orders_order o WHERE o.status = 'completed' AND EXISTS "
     "(SELECT 1 FROM orders_batch b WHERE b.order_id = o.id AND b.status NOT IN ('closed', 'cancelled'))"),
    ("a lot stands at its last scan",
     "SELECT COUNT(*) FROM quality_lot l WHERE l.stage <> COALESCE((SELECT e.stage_after FROM "
     "quality_scanevent e WHERE e.lot_id = l.id AND e.applied ORDER BY e.device_time DESC, e.id DESC "
     "LIMIT 1), 'packed')"),
    ("a batch's events end at its status",
     "SELECT COUNT(*) FROM orders_batch b WHERE b.status <> COALESCE((SELECT e.to_status FROM "
     "orders_batchevent e WHERE e.batch_id = b.id ORDER BY e.at DESC, e.id DESC LIMIT 1), 'open')"),
    ("every accepted piece decided inside a computed period is claimed by one",
     "SELECT COUNT(*) FROM quality_pieceoutcome o WHERE o.accepted > 0 AND o.decided_at >= %(first)s "
     "AND o.decided_at < %(last)s AND NOT EXISTS (SELECT 1 FROM payouts_payoutclaim c "
     "WHERE c.inspection_id = o.inspection_id)"),
    ("a pool's households + lead + centre = its gross",
     "SELECT COUNT(*) FROM payouts_payoutpool WHERE gross_fen <> households_fen + lead_fen + center_fen"),
    ("a pool's lines add up to its households' part",
     "SELECT COUNT(*) FROM payouts_payoutpool p WHERE p.households_fen <> "
     "(SELECT COALESCE(SUM(l.amount_fen), 0) FROM payouts_payoutline l WHERE l.pool_id = p.id)"),
    ("a period's totals are its pools'",
     "SELECT COUNT(*) FROM payouts_payoutperiod p WHERE p.status IN ('computed', 'approved', 'paid') AND "
     "(p.gross_fen, p.households_fen, p.lead_fen, p.center_fen) <> (SELECT COALESCE(SUM(q.gross_fen), 0), "
     "COALESCE(SUM(q.households_fen), 0), COALESCE(SUM(q.lead_fen), 0), COALESCE(SUM(q.center_fen), 0) "
     "FROM payouts_payoutpool q WHERE q.period_id = p.id)"),
    ("statements add up to the households' money of the period",
     "SELECT COUNT(*) FROM payouts_payoutperiod p WHERE p.status IN ('approved', 'paid') AND "
     "p.households_fen + p.bonus_fen - p.deduction_fen <> (SELECT COALESCE(SUM(s.total_fen), 0) "
     "FROM payouts_statement s WHERE s.period_id = p.id)"),
    ("the merchants are charged a period's gross in the ledger",
     "SELECT COUNT(*) FROM payouts_payoutperiod p WHERE p.status IN ('approved', 'paid') AND p.gross_fen <> "
     "(SELECT COALESCE(SUM(e.amount_fen), 0) FROM payouts_ledgerentry e WHERE e.period_id = p.id "
     "AND e.kind = 'merchant_charge')"),
    ("only approved and paid periods have statements",
     "SELECT COUNT(*) FROM payouts_statement s JOIN payouts_payoutperiod p ON p.id = s.period_id "
     "WHERE p.status NOT IN ('approved', 'paid')"),
]  # fmt: skip


def check(echo=print) -> list[str]:
    """Every invariant above plus each period's reconciliation; returns the failures."""
    from payouts.models import PayoutPeriod
    from payouts.selectors import period_reconciliation

    failures = []
    periods = PayoutPeriod.objects.filter(status__in=["approved", "paid"]).order_by("starts_on")
    bounds = {"first": None, "last": None}
    if periods:
        from payouts.compute import period_bounds

        adapt = connection.ops.adapt_datetimefield_value  # SQLite compares text in UTC
        bounds = {
            "first": adapt(period_bounds(periods[0])[0]),
            "last": adapt(period_bounds(periods.last())[1]),
        }
    with connection.cursor() as cursor:
        for name, sql in CHECKS:
            if "%(first)s" in sql and bounds["first"] is None:
                continue
            began = time.perf_counter()
            cursor.execute(sql, bounds if "%(first)s" in sql else None)
            bad = cursor.fetchone()[0]
            echo(
                f"  {'ok ' if not bad else 'BAD'} {name}{f': {bad} rows' if bad else ''} ({time.perf_counter() - began:.1f} s)"
            )
            if bad:
                failures.append(f"{name}: {bad}")
    for period in periods:
        reconciliation = period_reconciliation(period=period)
        if not reconciliation["balanced"]:
            failures.append(
                f"period {period.pk} does not reconcile: {reconciliation['differences'][:3]}"
            )
    echo(
        f"  {'ok ' if not failures or all('reconcile' not in f for f in failures) else 'BAD'} every approved period reconciles to the fen ({len(periods)} periods)"
    )
    return failures


def sizes_report() -> dict[str, int]:
    tables = [
        ("accounts", "Organisation"), ("accounts", "User"), ("workshops", "Workshop"),
        ("workshops", "Household"), ("orders", "Order"), ("orders", "Batch"), ("orders", "BatchEvent"),
        ("orders", "Ticket"), ("orders", "TicketReturn"), ("quality", "Lot"), ("quality", "LotShare"),
        ("quality", "ScanEvent"), ("quality", "Inspection"), ("quality", "Defect"),
        ("quality", "PieceOutcome"), ("trainees", "Cohort"), ("trainees", "Trainee"),
        ("trainees", "ProgressLog"), ("trainees", "Assessment"), ("payouts", "PayoutPeriod"),
        ("payouts", "PayoutPool"), ("payouts", "PayoutLine"), ("payouts", "Statement"),
        ("payouts", "LedgerEntry"),
    ]  # fmt: skip
    return {f"{a}.{m}": apps.get_model(a, m).objects.count() for a, m in tables}


def figures() -> dict[str, int]:
    """A few totals people ask about: pieces, money, open batches, the biggest workshop."""
    from django.db.models import Count, Sum

    Batch = apps.get_model("orders", "Batch")
    Household = apps.get_model("workshops", "Household")
    Period = apps.get_model("payouts", "PayoutPeriod")
    Outcome = apps.get_model("quality", "PieceOutcome")
    biggest = Household.objects.values("workshop_id").annotate(n=Count("id")).order_by("-n").first()
    return {
        "ordered pieces": apps.get_model("orders", "Order").objects.aggregate(s=Sum("quantity"))[
            "s"
        ]
        or 0,
        "accepted pieces": Outcome.objects.aggregate(s=Sum("accepted"))["s"] or 0,
        "rejected pieces": Outcome.objects.aggregate(s=Sum("rejected"))["s"] or 0,
        "open batches": Batch.objects.filter(status="open").count(),
        "batches in work": Batch.objects.filter(
            status__in=["claimed", "in_production", "returned", "inspected"]
        ).count(),
        "paid to households (fen)": Period.objects.aggregate(s=Sum("households_fen"))["s"] or 0,
        "gross (fen)": Period.objects.aggregate(s=Sum("gross_fen"))["s"] or 0,
        "biggest workshop (households)": biggest["n"] if biggest else 0,
    }


def wipe() -> None:
    tables = [
        m._meta.db_table
        for label in WIPED_APPS
        for m in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables + WIPED_ACCOUNTS)} RESTART IDENTITY CASCADE")
    for app_label, name in SEEDS:  # what the migrations seeded, as a fresh database has it
        importlib.import_module(f"{app_label}.migrations.{name}").seed(apps, None)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks national")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--force",
        action="store_true",
        help="wipe a database whose name lacks 'national' or 'bench'",
    )
    parser.add_argument(
        "--check-only", action="store_true", help="only check the invariants of the data there"
    )
    args = parser.parse_args(argv)
    name = str(connection.settings_dict["NAME"])
    began = time.perf_counter()
    if not args.check_only:
        if connection.vendor == "postgresql":
            if not ("national" in name or "bench" in name or args.force):
                print(
                    f"Refusing to wipe database {name!r}: its name lacks 'national' or 'bench' (use --force)."
                )
                return 2
            call_command("migrate", verbosity=0)
            print(f"database {name}: wiping …", flush=True)
            wipe()
        else:
            call_command("migrate", verbosity=0)
            if apps.get_model("orders", "Order").objects.exists():
                print(
                    "SQLite database already holds orders: use an empty one (DATABASE_URL=sqlite:///…)."
                )
                return 2
        print(f"building the national set at scale {args.scale} …", flush=True)
        build(scale=args.scale, seed=args.seed)
        print(f"built in {time.perf_counter() - began:.1f} s", flush=True)
    sizes = sizes_report()
    for table, count in sizes.items():
        print(f"  {table:<24} {count:>12,}")
    for label, value in figures().items():
        print(f"  {label:<30} {value:>16,}")
    print("checking the invariants …", flush=True)
    failures = check()
    print(f"total {time.perf_counter() - began:.1f} s")
    if failures:
        print("FAIL")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print("PASS: every invariant holds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
