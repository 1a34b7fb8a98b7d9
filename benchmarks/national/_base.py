"""What every part of the national build shares: the figures of the programme, the row
writer (COPY or bulk_create) and the world being built."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

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


def _sequential_code(n: int, *, first: int, check) -> str:
    """The n-th of a run of 8 Crockford characters plus ``check``'s character, starting with
    ``CROCKFORD[first]`` (the platform's random codes never do here)."""
    body = ""
    value = n + 32**7 * first
    for _ in range(8):
        body = CROCKFORD[value % 32] + body
        value //= 32
    return body + check(body)


def lot_code(n: int) -> str:
    """The n-th lot code (quality/codes.py), starting with "V"."""
    from quality.codes import check_character

    return _sequential_code(n, first=27, check=check_character)


def card_code(n: int) -> str:
    """The n-th household's card code (workshops/cards.py), starting with "H"."""
    from workshops.cards import check_character

    return _sequential_code(n, first=17, check=check_character)


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
