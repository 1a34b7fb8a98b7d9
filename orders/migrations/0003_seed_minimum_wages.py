"""Seed the minimum hourly wages of the provinces the Yiwu path joins.

Each row is the LOWEST tier of the province's part-time (非全日制) hourly minimum: work paid
below it is below the legal minimum in every county of that province. Operators keep the table
(admin, or POST /api/v1/minimum-wages) when a province publishes a new standard.
"""

import datetime
from decimal import Decimal

from django.db import migrations

SEED = [
    (
        "浙江",
        Decimal("20.00"),
        "第三档（一档 24 元、二档 22 元、三档 20 元/小时）",
        datetime.date(2024, 1, 1),
        "浙江省人民政府《关于调整全省最低工资标准的通知》，2024年1月1日起执行",
        "https://wallstreetcn.com/livenews/2611160",
    ),
    (
        "四川",
        Decimal("20.00"),
        "第三档（一档 22 元、二档 21 元、三档 20 元/小时）",
        datetime.date(2022, 4, 1),
        "四川省人民政府《关于调整全省最低工资标准的通知》，2022年4月1日起执行",
        "",
    ),
    (
        "新疆",
        Decimal("15.00"),
        "第四类（一类 19 元、二类 17 元、三类 16 元、四类 15 元/小时）",
        datetime.date(2021, 4, 1),
        "新疆维吾尔自治区人民政府《关于调整自治区最低工资标准的通知》，2021年4月1日起执行",
        "",
    ),
]


def seed(apps, schema_editor):
    MinimumWage = apps.get_model("orders", "MinimumWage")
    for province, hourly, tier, effective_from, source, url in SEED:
        MinimumWage.objects.get_or_create(
            province=province,
            effective_from=effective_from,
            defaults={"hourly": hourly, "tier": tier, "source": source, "source_url": url},
        )


def unseed(apps, schema_editor):
    MinimumWage = apps.get_model("orders", "MinimumWage")
    for province, _hourly, _tier, effective_from, _source, _url in SEED:
        MinimumWage.objects.filter(
            province=province, effective_from=effective_from, recorded_by__isnull=True
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_fair_pay_photos_idempotency")]

    operations = [migrations.RunPython(seed, unseed)]
