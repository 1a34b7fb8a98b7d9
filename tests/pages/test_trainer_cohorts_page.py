"""The trainer's cohorts page shows 20 cohorts at a time, newest first, with a link on."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.factories import make_user
from tests.trainees.factories import make_cohort, make_programme
from trainees.models import Cohort

pytestmark = pytest.mark.django_db


def test_trainer_with_25_cohorts_sees_20_then_the_other_5():
    trainer = make_user(User.Role.TRAINER)
    programme = make_programme()
    today = timezone.localdate()
    for n in range(25):
        cohort = make_cohort(programme, trainers=[trainer], start_date=today - timedelta(days=n))
        Cohort.objects.filter(pk=cohort.pk).update(name=f"第{n:02d}班")
    client = Client()
    client.force_login(trainer)

    first = client.get("/train/").content.decode()
    second = client.get("/train/?from=20").content.decode()

    assert [f"第{n:02d}班" in first for n in range(25)] == [True] * 20 + [False] * 5
    assert 'href="?from=20" rel="next"' in first
    assert [f"第{n:02d}班" in second for n in range(25)] == [False] * 20 + [True] * 5
    assert 'rel="next"' not in second
    assert 'href="?from=0" rel="prev"' in second
