"""Demo training: the 180-day lead-goose programme, a cohort mid-way, village courses, a graduate.

- 领头雁 programme (180 days, five modules) with a cohort at the Yiwu base on day ~80: trainees
  with a daily log, assessments of the first modules, and a few behind schedule;
- an earlier cohort whose graduate 余鑫 (login ``lead_zhuosini``) now leads 卓斯尼村共富工坊,
  the training record linked to the workshop;
- village courses in Danba whose apprentices are members of workshop households: their
  certified skills are now the households' skills (and the workshop's, see docs/trainees.md).

Everything goes through the services, backdated with their ``today`` argument.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.demo import DemoContext
from workshops.services import skills_by_code

from .models import Cohort, Module, Programme, Trainee
from .services import (
    assessment_record,
    cohort_create,
    programme_create,
    progress_log,
    trainee_enrol,
    trainee_graduate,
    trainee_make_lead,
    trainee_withdraw,
)

LEAD_CODE = "lingtouyan-180"
# The same as migration 0002 seeds.
LEAD_MODULES = [
    {
        "name": "绕线与打结",
        "required_hours": Decimal("200"),
        "due_day": 45,
        "skills": ["raoxian", "dajie"],
    },
    {"name": "质检标准", "required_hours": Decimal("120"), "due_day": 75},
    {"name": "接单与交期", "required_hours": Decimal("120"), "due_day": 105},
    {"name": "工坊管理", "required_hours": Decimal("180"), "due_day": 145},
    {"name": "电商与直播带货", "required_hours": Decimal("170"), "due_day": 180},
]

ACTIVITIES = {
    "绕线与打结": ["流苏绕线练习", "平结、蛇结与双联结", "腰带编结成品 10 条", "线材张力控制"],
    "质检标准": ["对照商家样品找瑕疵", "AQL 抽样练习", "返工品分拣"],
    "接单与交期": ["在平台上认领批次演练", "排产与交期计算", "派工单与交回登记"],
    "工坊管理": ["农户花名册与技能登记", "加工费核算与公示", "带教新学员"],
    "电商与直播带货": ["短视频拍摄", "直播话术演练", "核桃、苹果等特产上架"],
}

# (name, province, county, village, background, attendance 0..1): attendance below ~0.75 falls
# behind the programme's pace.
MID_COHORT = [
    ("泽仁拉姆", "四川", "甘孜州丹巴县", "甲居村", "returnee_graduate", 0.97),
    ("王秀英", "四川", "巴中市巴州区", "玉堂村", "local_backbone", 0.95),
    ("阿依古丽", "新疆", "和田地区洛浦县", "布亚村", "returnee_graduate", 0.93),
    ("格桑卓玛", "四川", "甘孜州丹巴县", "邛山村", "local_backbone", 0.9),
    ("李春梅", "四川", "巴中市巴州区", "书台村", "returnee_graduate", 0.88),
    ("扎西次仁", "四川", "甘孜州丹巴县", "卓斯尼村", "local_backbone", 0.55),
    ("何小琴", "四川", "巴中市巴州区", "观音井村", "local_backbone", 0.5),
]

CIXIU_COURSE = [
    {"name": "刺绣基础针法", "required_hours": Decimal("24"), "due_day": 20, "skills": ["cixiu"]},
    {"name": "质检入门", "required_hours": Decimal("8"), "due_day": 30},
]
LIUSU_COURSE = [
    {"name": "流苏制作", "required_hours": Decimal("20"), "due_day": 21, "skills": ["liusu"]},
]


def seed(ctx: DemoContext) -> None:
    operator = ctx.users["operator"]
    today = timezone.localdate()
    lead_programme = _lead_programme(operator)
    cixiu = programme_create(
        actor=operator,
        code="cixiu-village-30",
        name="村级刺绣技能培训（30 天）",
        kind=Programme.Kind.VILLAGE,
        duration_days=30,
        modules=CIXIU_COURSE,
    )
    liusu = programme_create(
        actor=operator,
        code="liusu-village-21",
        name="村级流苏制作培训（21 天）",
        kind=Programme.Kind.VILLAGE,
        duration_days=21,
        modules=LIUSU_COURSE,
    )
    ctx.objects["programmes"] = {"lead": lead_programme, "cixiu": cixiu, "liusu": liusu}
    _graduate_cohort(ctx, lead_programme, today)
    _mid_cohort(ctx, lead_programme, today)
    _village_courses(ctx, cixiu, liusu, today)


def _lead_programme(operator) -> Programme:
    """The programme seeded by migration 0002 (gone after ``seed_demo --reset`` flushes, so
    made again here), with its modules' skills linked now that the catalogue exists."""
    programme = Programme.objects.filter(code=LEAD_CODE).first()
    if programme is None:
        return programme_create(
            actor=operator,
            code=LEAD_CODE,
            name="领头雁带头人 180 天沉浸式实训",
            kind=Programme.Kind.LEAD,
            duration_days=180,
            description="技能、订单、管理、销售全链条实训：学得会、带得回、稳得住。",
            modules=LEAD_MODULES,
        )
    for spec in LEAD_MODULES:
        module = programme.modules.get(name=spec["name"])
        if spec.get("skills") and not module.skills.exists():
            module.skills.set(skills_by_code(spec["skills"]).values())
    return programme


def _modules(programme: Programme) -> list[Module]:
    return list(programme.modules.order_by("position"))


def _train(
    ctx: DemoContext,
    *,
    cohort: Cohort,
    trainees: list[Trainee],
    attendance: dict[int, float],
    until: date,
    trainer,
    hours_per_day: Decimal = Decimal("6"),
    since: date | None = None,
) -> None:
    """Daily group sessions from ``since`` (the cohort's start) to ``until`` (not Sundays),
    following the module schedule; each trainee attends with their own probability."""
    rng = ctx.rng
    modules = _modules(cohort.programme)
    day = since or cohort.start_date
    while day <= until:
        elapsed = (day - cohort.start_date).days
        if day.weekday() != 6:
            module = next((m for m in modules if elapsed < m.due_day), modules[-1])
            present = [t.pk for t in trainees if rng.random() < attendance[t.pk]]
            if present:
                progress_log(
                    actor=trainer,
                    trainee_ids=present,
                    module_id=module.pk,
                    date=day,
                    hours=hours_per_day,
                    activity=rng.choice(ACTIVITIES.get(module.name, ["技能练习"])),
                    score=rng.choice([None, None, 70, 78, 85, 92]),
                    today=until,
                )
        day += timedelta(days=1)


def _assess_module(
    *, trainer, trainee: Trainee, module: Module, on: date, score: int, level: int = 2
) -> None:
    skills = list(module.skills.all())
    for skill in skills or [None]:
        assessment_record(
            actor=trainer,
            trainee_id=trainee.pk,
            module_id=module.pk,
            skill_code=skill.code if skill else None,
            level=level if skill else None,
            score=score,
            assessed_on=on,
            notes="",
            today=on,
        )


def _graduate_cohort(ctx: DemoContext, programme: Programme, today: date) -> None:
    """The 2024 spring cohort: 余鑫 graduated and now leads 卓斯尼村共富工坊."""
    operator = ctx.users["operator"]
    trainer = ctx.users["trainer_yiwu"]
    start = today - timedelta(days=420)
    cohort = cohort_create(
        actor=operator,
        programme_id=programme.pk,
        name="领头雁第一期（义乌凰升塘基地）",
        start_date=start,
        place_kind=Cohort.Place.YIWU_BASE,
        place="义乌市凰升塘就业创业基地",
        trainer_ids=[trainer.pk],
    )
    lead_user = ctx.users["zhuosini"]
    yuxin = trainee_enrol(
        actor=operator,
        cohort_id=cohort.pk,
        name=lead_user.display_name or "余鑫",
        province="四川",
        county="甘孜州丹巴县",
        village="革什扎镇卓斯尼村",
        background=Trainee.Background.RETURNEE_GRADUATE,
        user_id=lead_user.pk,
    )
    peers = [
        trainee_enrol(
            actor=operator,
            cohort_id=cohort.pk,
            name=name,
            province="四川",
            county=county,
            village=village,
            background=background,
        )
        for name, county, village, background in [
            ("杨桂兰", "巴中市巴州区", "玉堂村", Trainee.Background.LOCAL_BACKBONE),
            ("罗央金", "甘孜州丹巴县", "甲居村", Trainee.Background.RETURNEE_GRADUATE),
            ("陈德芳", "巴中市巴州区", "书台村", Trainee.Background.LOCAL_BACKBONE),
        ]
    ]
    everyone = [yuxin, *peers]
    end = start + timedelta(days=programme.duration_days)
    left_on = start + timedelta(days=150)
    _train(
        ctx,
        cohort=cohort,
        trainees=everyone,
        attendance={t.pk: 1.0 for t in everyone},
        until=left_on - timedelta(days=1),
        trainer=trainer,
    )
    # 陈德芳 went home before the end.
    trainee_withdraw(
        actor=trainer, trainee_id=peers[2].pk, reason="家中老人生病，回乡照顾", today=left_on
    )
    _train(
        ctx,
        cohort=cohort,
        trainees=everyone[:3],
        attendance={t.pk: 1.0 for t in everyone},
        since=left_on,
        until=end - timedelta(days=1),
        trainer=trainer,
    )
    for module in _modules(programme):
        on = start + timedelta(days=module.due_day - 3)
        for trainee in everyone[:3]:
            _assess_module(
                trainer=trainer,
                trainee=trainee,
                module=module,
                on=on,
                score=ctx.rng.choice([82, 88, 91, 95]),
                level=3 if trainee is yuxin else 2,
            )
    for trainee in everyone[:3]:
        trainee_graduate(actor=trainer, trainee_id=trainee.pk, today=end)
    trainee_make_lead(
        actor=operator,
        trainee_id=yuxin.pk,
        workshop_id=ctx.objects["workshops"]["zhuosini"].pk,
        today=end + timedelta(days=7),
    )
    ctx.objects["lead_graduate"] = Trainee.objects.get(pk=yuxin.pk)


def _mid_cohort(ctx: DemoContext, programme: Programme, today: date) -> None:
    """The current cohort, on day 80 of 180: most on pace, two behind."""
    operator = ctx.users["operator"]
    trainer = ctx.users["trainer_yiwu"]
    start = today - timedelta(days=80)
    cohort = cohort_create(
        actor=operator,
        programme_id=programme.pk,
        name="领头雁第三期（义乌凰升塘基地）",
        start_date=start,
        place_kind=Cohort.Place.YIWU_BASE,
        place="义乌市凰升塘就业创业基地",
        trainer_ids=[trainer.pk],
    )
    trainees, attendance = [], {}
    for name, province, county, village, background, rate in MID_COHORT:
        trainee = trainee_enrol(
            actor=trainer,
            cohort_id=cohort.pk,
            name=name,
            province=province,
            county=county,
            village=village,
            background=background,
        )
        trainees.append(trainee)
        attendance[trainee.pk] = rate
    _train(
        ctx,
        cohort=cohort,
        trainees=trainees,
        attendance=attendance,
        until=today - timedelta(days=1),
        trainer=trainer,
    )
    first, second = _modules(programme)[:2]
    for trainee in trainees:
        keen = attendance[trainee.pk] > 0.8
        _assess_module(
            trainer=trainer,
            trainee=trainee,
            module=first,
            on=start + timedelta(days=first.due_day - 2),
            score=ctx.rng.choice([80, 86, 90]) if keen else 52,
        )
        if keen:
            _assess_module(
                trainer=trainer,
                trainee=trainee,
                module=second,
                on=start + timedelta(days=second.due_day - 1),
                score=ctx.rng.choice([75, 83, 88]),
            )
    ctx.objects["mid_cohort"] = cohort


def _village_courses(ctx: DemoContext, cixiu: Programme, liusu: Programme, today: date) -> None:
    """Household members learn a skill at home; certified skills become the household's."""
    operator = ctx.users["operator"]
    trainer = ctx.users["trainer_danba"]
    rng = ctx.rng
    for programme, workshop_key, place, started_days_ago, n, name in [
        (cixiu, "zhuosini", "卓斯尼村文化活动室", 35, 6, "卓斯尼村刺绣班"),
        (liusu, "jiaju", "甲居村村委会", 25, 5, "甲居村流苏班"),
    ]:
        workshop = ctx.objects["workshops"][workshop_key]
        org = workshop.organisation
        start = today - timedelta(days=started_days_ago)
        cohort = cohort_create(
            actor=operator,
            programme_id=programme.pk,
            name=name,
            start_date=start,
            place_kind=Cohort.Place.VILLAGE,
            place=place,
            trainer_ids=[trainer.pk],
        )
        households = list(workshop.households.order_by("pk")[:n])
        apprentices = [
            trainee_enrol(
                actor=trainer,
                cohort_id=cohort.pk,
                name=household.name[0] + rng.choice(["小燕", "卓玛", "拉姆", "春花", "央宗"]),
                province=org.province,
                county=org.county,
                village=org.village,
                background=Trainee.Background.VILLAGER,
                household_id=household.pk,
            )
            for household in households
        ]
        _train(
            ctx,
            cohort=cohort,
            trainees=apprentices,
            attendance={t.pk: 0.9 for t in apprentices},
            until=min(today - timedelta(days=1), start + timedelta(days=programme.duration_days)),
            trainer=trainer,
            hours_per_day=Decimal("2"),
        )
        for index, apprentice in enumerate(apprentices):
            for module in _modules(programme):
                _assess_module(
                    trainer=trainer,
                    trainee=apprentice,
                    module=module,
                    on=start + timedelta(days=module.due_day - 1),
                    # One in three needs another try.
                    score=55 if index % 3 == 2 else rng.choice([72, 80, 88]),
                    level=rng.choice([1, 2]),
                )
            if index % 3 != 2:
                trainee_graduate(
                    actor=trainer,
                    trainee_id=apprentice.pk,
                    today=start + timedelta(days=programme.duration_days),
                )
