"""Seed the 180-day lead-goose (领头雁) programme every deployment starts from.

Five modules run one after another (due days 45, 75, 105, 145, 180), 790 hours in all: about
five hours a day, six days a week, over the 180 days. 绕线与打结 is assessed per skill (绕线 and
打结), linked when those catalogue skills exist; operators adjust modules in the admin.
"""

from decimal import Decimal

from django.db import migrations

CODE = "lingtouyan-180"
MODULES = [
    ("绕线与打结", Decimal("200"), 45, ["raoxian", "dajie"]),
    ("质检标准", Decimal("120"), 75, []),
    ("接单与交期", Decimal("120"), 105, []),
    ("工坊管理", Decimal("180"), 145, []),
    ("电商与直播带货", Decimal("170"), 180, []),
]


def seed(apps, schema_editor):
    Programme = apps.get_model("trainees", "Programme")
    Module = apps.get_model("trainees", "Module")
    Skill = apps.get_model("workshops", "Skill")
    if Programme.objects.filter(code=CODE).exists():
        return
    programme = Programme.objects.create(
        code=CODE,
        name="领头雁带头人 180 天沉浸式实训",
        kind="lead",
        duration_days=180,
        description="技能、订单、管理、销售全链条实训：学得会、带得回、稳得住。",
    )
    for position, (name, hours, due_day, skills) in enumerate(MODULES, start=1):
        module = Module.objects.create(
            programme=programme,
            position=position,
            name=name,
            required_hours=hours,
            due_day=due_day,
            pass_score=60,
        )
        module.skills.set(Skill.objects.filter(code__in=skills))


def unseed(apps, schema_editor):
    Programme = apps.get_model("trainees", "Programme")
    Programme.objects.filter(code=CODE, cohorts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0001_initial"),
        ("workshops", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
