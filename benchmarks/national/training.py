"""Programmes, cohorts, trainees, their progress logs and assessments."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps

from ._base import COUNTIES, PROVINCES, World
from .people import user_row


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
