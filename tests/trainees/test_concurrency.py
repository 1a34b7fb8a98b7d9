import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from trainees.models import ProgressLog
from trainees.services import DailyHoursExceeded, progress_log

from .factories import make_cohort, make_programme, make_trainee, module


@pytest.mark.django_db(transaction=True)
def test_two_phones_cannot_together_push_a_trainee_past_twelve_hours():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    programme = make_programme()
    cohort = make_cohort(programme)
    trainee = make_trainee(cohort)
    trainer = cohort.trainers.get()
    day = timezone.localdate() - timedelta(days=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def log_eight_hours(position: int) -> None:
        try:
            barrier.wait()
            progress_log(
                actor=trainer,
                trainee_ids=[trainee.pk],
                module_id=module(programme, position).pk,
                date=day,
                hours=Decimal("8"),
                activity="并发记录",
            )
            outcomes.append("logged")
        except DailyHoursExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=log_eight_hours, args=(p,)) for p in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["logged", "refused"]
    total = ProgressLog.objects.filter(trainee=trainee, date=day).aggregate(h=Sum("hours"))["h"]
    assert total == Decimal("8.0")
