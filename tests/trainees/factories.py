"""Builders for training tests: the lead programme, a village course, cohorts, trainees."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from tests.factories import make_skill, make_user
from trainees.models import Cohort, Module, Programme, Trainee

# (name, required hours, due day, skill codes) — a small 180-day lead programme.
LEAD_MODULES = [
    ("绕线与打结", Decimal("100"), 40, ["raoxian", "dajie"]),
    ("质检标准", Decimal("40"), 70, []),
    ("接单与交期", Decimal("40"), 100, []),
    ("工坊管理", Decimal("60"), 150, []),
    ("电商与直播带货", Decimal("60"), 180, []),
]


def make_programme(
    *, code: str = "lingtouyan", kind: str = Programme.Kind.LEAD, modules=None, days: int = 180
) -> Programme:
    programme = Programme.objects.create(
        code=code, name=f"项目{code}", kind=kind, duration_days=days
    )
    for position, (name, hours, due_day, skills) in enumerate(modules or LEAD_MODULES, start=1):
        module = Module.objects.create(
            programme=programme,
            position=position,
            name=name,
            required_hours=hours,
            due_day=due_day,
        )
        module.skills.set([make_skill(code) for code in skills])
    return programme


def make_village_course(code: str = "cixiu-course") -> Programme:
    return make_programme(
        code=code,
        kind=Programme.Kind.VILLAGE,
        days=30,
        modules=[("刺绣入门", Decimal("20"), 30, ["cixiu"])],
    )


def make_cohort(
    programme: Programme,
    *,
    trainers: list[User] | None = None,
    start_date: date | None = None,
    days_ago: int = 60,
) -> Cohort:
    cohort = Cohort.objects.create(
        programme=programme,
        name=f"{programme.name} 班",
        start_date=start_date or timezone.localdate() - timedelta(days=days_ago),
        place_kind=Cohort.Place.YIWU_BASE,
        place="义乌市凰升塘就业创业基地",
    )
    cohort.trainers.set(trainers if trainers is not None else [make_user(User.Role.TRAINER)])
    return cohort


def make_trainee(cohort: Cohort, **fields) -> Trainee:
    fields.setdefault("name", "余鑫")
    fields.setdefault("province", "四川")
    fields.setdefault("county", "丹巴县")
    fields.setdefault("village", "卓斯尼村")
    fields.setdefault("background", Trainee.Background.RETURNEE_GRADUATE)
    return Trainee.objects.create(cohort=cohort, **fields)


def module(programme: Programme, position: int) -> Module:
    return programme.modules.get(position=position)


def add_hours(trainee: Trainee, mod: Module, hours: str | Decimal, *, trainer: User | None = None):
    """Log ``hours`` for ``mod`` over as many past days as needed (≤ 10 h a day)."""
    from trainees.models import ProgressLog

    trainer = trainer or trainee.cohort.trainers.first()
    left = Decimal(hours)
    day = trainee.cohort.start_date
    rows = []
    while left > 0:
        chunk = min(left, Decimal(10))
        rows.append(
            ProgressLog(
                trainee=trainee,
                module=mod,
                trainer=trainer,
                date=day,
                hours=chunk,
                activity="练习",
            )
        )
        left -= chunk
        day += timedelta(days=1)
    ProgressLog.objects.bulk_create(rows)
    Trainee.objects.filter(pk=trainee.pk, status=Trainee.Status.ENROLLED).update(
        status=Trainee.Status.IN_TRAINING
    )


def pass_module(trainee: Trainee, mod: Module, *, score: int = 85, level: int = 2):
    """Passed assessments for every skill of ``mod`` (or the module itself)."""
    from trainees.models import Assessment

    assessor = trainee.cohort.trainers.first()
    skills = list(mod.skills.all()) or [None]
    day = trainee.cohort.start_date + timedelta(days=1)
    for skill in skills:
        Assessment.objects.create(
            trainee=trainee,
            module=mod,
            skill=skill,
            level=level if skill else None,
            score=score,
            passed=True,
            assessed_on=day,
            certified_on=day if skill else None,
            assessor=assessor,
        )
