from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from trainees.models import Trainee
from trainees.selectors import trainee_summaries

from .factories import add_hours, make_cohort, make_programme, make_trainee, module, pass_module

pytestmark = pytest.mark.django_db

# Cohort started 60 days ago. Modules follow one another; each expects its hours spread
# evenly from the previous module's due day to its own. At day 60:
# 绕线与打结 100h, days 0-40 → 100; 质检标准 40h, days 40-70 → 40 × 20/30 = 26.7;
# 接单与交期 (70-100), 工坊管理 (100-150), 电商与直播带货 (150-180) → 0.


@pytest.fixture
def cohort():
    return make_cohort(make_programme(), days_ago=60)


def on_pace(trainee):
    programme = trainee.cohort.programme
    add_hours(trainee, module(programme, 1), "110")
    pass_module(trainee, module(programme, 1))
    add_hours(trainee, module(programme, 2), "30")
    add_hours(trainee, module(programme, 3), "20")
    add_hours(trainee, module(programme, 4), "20")
    add_hours(trainee, module(programme, 5), "16")


def summary_of(trainee, today=None):
    trainee.refresh_from_db()
    return trainee_summaries([trainee], today=today or timezone.localdate())[trainee.pk]


def test_summary_arithmetic_per_module_and_in_total(cohort):
    trainee = make_trainee(cohort)
    on_pace(trainee)
    summary = summary_of(trainee)
    assert summary.days_elapsed == 60
    assert summary.days_total == 180
    rows = {m.name: m for m in summary.modules}
    assert rows["绕线与打结"].hours_done == Decimal("110.0")
    assert rows["绕线与打结"].hours_remaining == Decimal("0.0")
    assert rows["质检标准"].hours_done == Decimal("30.0")
    assert rows["质检标准"].hours_remaining == Decimal("10.0")
    assert rows["绕线与打结"].expected_hours == Decimal("100.0")
    assert rows["质检标准"].expected_hours == Decimal("26.7")
    assert rows["接单与交期"].expected_hours == Decimal("0.0")
    assert summary.required_hours == Decimal("300.0")
    assert summary.hours_done == Decimal("196.0")
    # Extra hours in one module do not make up for another: 100+30+20+20+16 = 186 of 300.
    assert summary.percent_done == Decimal("62.0")
    assert (summary.modules_passed, summary.modules_total) == (1, 5)
    assert rows["绕线与打结"].passed is True
    assert rows["绕线与打结"].passed_skills == ["dajie", "raoxian"] or rows[
        "绕线与打结"
    ].passed_skills == ["raoxian", "dajie"]


def test_on_pace_trainee_is_not_behind(cohort):
    trainee = make_trainee(cohort)
    on_pace(trainee)
    summary = summary_of(trainee)
    assert summary.behind_schedule is False
    assert summary.reasons == []


def test_module_more_than_a_fifth_short_of_pace_is_behind_with_reason(cohort):
    trainee = make_trainee(cohort)
    on_pace(trainee)
    programme = cohort.programme
    # 质检标准 needs 26.7 × 0.8 = 21.4 h by day 60; log a trainee with only 20.
    laggard = make_trainee(cohort, name="泽仁")
    add_hours(laggard, module(programme, 1), "100")
    pass_module(laggard, module(programme, 1))
    add_hours(laggard, module(programme, 2), "20")
    add_hours(laggard, module(programme, 3), "20")
    add_hours(laggard, module(programme, 4), "20")
    add_hours(laggard, module(programme, 5), "16")
    summary = summary_of(laggard)
    assert summary.behind_schedule is True
    assert [(r.code, r.module_id) for r in summary.reasons] == [
        ("hours_behind", module(programme, 2).pk)
    ]
    assert "质检标准" in summary.reasons[0].message
    assert "26.7" in summary.reasons[0].message
    assert "20.0" in summary.reasons[0].message


def test_hours_done_but_assessment_overdue_is_behind(cohort):
    trainee = make_trainee(cohort)
    programme = cohort.programme
    on_pace(trainee)
    # A second trainee with all hours of 绕线与打结 but no pass, 20 days after its due day.
    late = make_trainee(cohort, name="拉姆")
    for position, hours in ((1, "100"), (2, "30"), (3, "20"), (4, "20"), (5, "16")):
        add_hours(late, module(programme, position), hours)
    summary = summary_of(late)
    assert [(r.code, r.module_id) for r in summary.reasons] == [
        ("assessment_overdue", module(programme, 1).pk)
    ]


def test_pace_is_judged_as_of_the_day_asked(cohort):
    trainee = make_trainee(cohort)
    add_hours(trainee, module(cohort.programme, 1), "10")
    early = summary_of(trainee, today=cohort.start_date + timedelta(days=3))
    # Day 3: 绕线与打结 expects 7.5 h and the later modules nothing yet; day 30: 75 h.
    assert early.days_elapsed == 3
    assert early.behind_schedule is False
    late = summary_of(trainee, today=cohort.start_date + timedelta(days=30))
    assert late.behind_schedule is True


def test_days_elapsed_stops_at_the_programme_length():
    cohort = make_cohort(make_programme(), days_ago=400)
    trainee = make_trainee(cohort)
    assert summary_of(trainee).days_elapsed == 180


def test_graduated_or_withdrawn_trainee_is_never_behind(cohort):
    trainee = make_trainee(cohort)
    Trainee.objects.filter(pk=trainee.pk).update(
        status=Trainee.Status.WITHDREW,
        withdraw_reason="外出务工",
        withdrawn_on=cohort.start_date + timedelta(days=10),
    )
    summary = summary_of(trainee)
    assert summary.behind_schedule is False
    assert summary.days_elapsed == 10


def test_cohort_summary_at_a_glance_via_api(api, cohort, django_assert_max_num_queries):
    trainer = cohort.trainers.get()
    good = make_trainee(cohort, name="余鑫")
    on_pace(good)
    slow = make_trainee(cohort, name="泽仁")
    add_hours(slow, module(cohort.programme, 1), "30")
    make_trainee(cohort, name="新学员")
    client = api.as_user(trainer)
    response = client.get(f"/cohorts/{cohort.pk}/summary")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["trainee_count"] == 3
    assert body["days_elapsed"] == 60
    assert body["behind_count"] == 2  # the slow one and the one who has not started
    assert body["by_status"]["in_training"] == 2
    assert body["by_status"]["enrolled"] == 1
    rows = {row["name"]: row for row in body["trainees"]}
    assert rows["余鑫"]["behind_schedule"] is False
    assert rows["余鑫"]["percent_done"] == "62.0"
    assert rows["泽仁"]["hours_done"] == "30.0"
    # A few aggregate queries, not one per trainee.
    for _ in range(20):
        make_trainee(cohort, name="更多学员")
    with django_assert_max_num_queries(12):
        response = client.get(f"/cohorts/{cohort.pk}/summary")
    assert response.json()["trainee_count"] == 23


def test_trainee_progress_via_api_has_summary_and_log(api, cohort):
    trainee = make_trainee(cohort)
    add_hours(trainee, module(cohort.programme, 1), "25")
    response = api.as_user(cohort.trainers.get()).get(f"/trainees/{trainee.pk}/progress")
    assert response.status_code == 200
    body = response.json()
    assert body["summary"]["hours_done"] == "25.0"
    assert body["summary"]["days_elapsed"] == 60
    assert len(body["logs"]) == 3
    assert body["summary"]["behind_schedule"] is True
    assert {r["code"] for r in body["summary"]["reasons"]} == {"hours_behind"}


def test_module_not_passed_when_the_programme_is_over_is_overdue():
    cohort = make_cohort(make_programme(), days_ago=200)
    trainee = make_trainee(cohort)
    for position, hours in ((1, "100"), (2, "40"), (3, "40"), (4, "60"), (5, "60")):
        add_hours(trainee, module(cohort.programme, position), hours)
    for position in (1, 2, 3, 4):
        pass_module(trainee, module(cohort.programme, position))
    summary = summary_of(trainee)
    assert summary.days_elapsed == 180
    assert [(r.code, r.module_id) for r in summary.reasons] == [
        ("assessment_overdue", module(cohort.programme, 5).pk)
    ]
