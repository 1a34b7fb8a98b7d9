"""Demo workshops in Danba and Bazhong, with a few hundred member households."""

from datetime import date, timedelta
from decimal import Decimal

from accounts.demo import DemoContext
from accounts.models import Organisation, User

from .models import Household, HouseholdSkill, Skill, SkillLevel, Workshop, WorkshopSkill

SKILLS = [
    ("raoxian", "绕线", "Winding"),
    ("dajie", "打结", "Knotting"),
    ("bianzhi", "编织", "Braiding"),
    ("gouzhen", "钩针", "Crochet"),
    ("cixiu", "刺绣", "Embroidery"),
    ("chuanzhu", "串珠", "Beading"),
    ("liusu", "流苏制作", "Tassel making"),
    ("zhengtang", "整烫包装", "Finishing and packing"),
]

# (key, name, county, township, village, center, lat, lng, capacity, households, skills, lead)
WORKSHOPS = [
    (
        "zhuosini",
        "卓斯尼村共富工坊",
        "甘孜州丹巴县",
        "革什扎镇",
        "卓斯尼村",
        "danba_center",
        "30.952100",
        "101.801600",
        900,
        70,
        {"raoxian": 3, "dajie": 3, "liusu": 3},
        ("余鑫", "lead_zhuosini"),
    ),
    (
        "jiaju",
        "甲居藏寨共富工坊",
        "甘孜州丹巴县",
        "聂呷乡",
        "甲居村",
        "danba_center",
        "30.907300",
        "101.879900",
        600,
        48,
        {"raoxian": 2, "dajie": 2, "cixiu": 3},
        ("格桑卓玛", "lead_jiaju"),
    ),
    (
        "badi",
        "巴底镇共富工坊",
        "甘孜州丹巴县",
        "巴底镇",
        "邛山村",
        "danba_center",
        "31.046500",
        "101.792200",
        450,
        36,
        {"bianzhi": 2, "dajie": 2, "chuanzhu": 2},
        ("扎西", "lead_badi"),
    ),
    (
        "huacheng",
        "化成镇巴州云娘工坊",
        "巴中市巴州区",
        "化成镇",
        "玉堂村",
        "bazhong_center",
        "31.796700",
        "106.703600",
        1200,
        82,
        {"bianzhi": 3, "raoxian": 3, "dajie": 3},
        ("王秀英", "lead_huacheng"),
    ),
    (
        "zengkou",
        "曾口镇共富工坊",
        "巴中市巴州区",
        "曾口镇",
        "书台村",
        "bazhong_center",
        "31.738200",
        "106.861100",
        700,
        55,
        {"gouzhen": 3, "bianzhi": 2},
        ("李桂兰", "lead_zengkou"),
    ),
    (
        "shuining",
        "水宁寺镇共富工坊",
        "巴中市巴州区",
        "水宁寺镇",
        "观音井村",
        "bazhong_center",
        "31.900500",
        "106.913300",
        500,
        40,
        {"gouzhen": 2, "zhengtang": 3, "chuanzhu": 1},
        ("张德芳", "lead_shuining"),
    ),
]

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林泽格扎"
GIVEN = [
    "秀英",
    "桂兰",
    "玉兰",
    "春梅",
    "兰芳",
    "小琴",
    "红霞",
    "丽萍",
    "德芳",
    "卓玛",
    "拉姆",
    "央金",
    "美华",
    "淑珍",
    "海燕",
    "翠花",
    "金凤",
    "晓梅",
    "雪梅",
    "永芳",
    "巧云",
    "素芬",
]


def seed(ctx: DemoContext) -> None:
    skills = {
        code: Skill.objects.create(code=code, name=name, name_en=name_en)
        for code, name, name_en in SKILLS
    }
    ctx.objects["skills"] = skills
    rng = ctx.rng
    ctx.objects["workshops"] = {}
    for key, name, county, township, village, center, lat, lng, capacity, n_households, levels, (
        lead_name,
        lead_username,
    ) in WORKSHOPS:
        org = Organisation.objects.create(
            kind=Organisation.Kind.WORKSHOP,
            name=name,
            province="四川",
            county=county,
            township=township,
            village=village,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            service_center=ctx.orgs[center],
        )
        ctx.orgs[key] = org
        lead = ctx.add_user(
            key,
            username=lead_username,
            role=User.Role.LEAD,
            org=key,
            name=lead_name,
            phone=f"139{rng.randrange(10**8):08d}",
        )
        workshop = Workshop.objects.create(organisation=org, lead=lead, daily_capacity=capacity)
        WorkshopSkill.objects.bulk_create(
            WorkshopSkill(workshop=workshop, skill=skills[code], level=level)
            for code, level in levels.items()
        )
        households = Household.objects.bulk_create(
            Household(
                workshop=workshop,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                members=rng.choice([1, 1, 2, 2, 3]),
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                payment_account=f"6217{rng.randrange(10**15):015d}",
                joined_on=date(2020, 3, 1) + timedelta(days=rng.randrange(2000)),
            )
            for _ in range(n_households)
        )
        HouseholdSkill.objects.bulk_create(
            HouseholdSkill(
                household=household,
                skill=skills[code],
                level=rng.choice([SkillLevel.BEGINNER, SkillLevel.INTERMEDIATE, level]),
            )
            for household in households
            for code, level in levels.items()
            if rng.random() < 0.8
        )
        ctx.objects["workshops"][key] = workshop
