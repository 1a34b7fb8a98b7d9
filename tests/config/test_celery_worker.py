"""A real Celery worker process on Redis runs a task whose effect lands in PostgreSQL."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import api_token_issue
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL on PostgreSQL and REDIS_URL (CI runs it)")
    test_db = connection.settings_dict["NAME"]
    env = dict(os.environ)
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env["DATABASE_URL"] = (
        f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{test_db}"
    )
    env["DATABASE_CONN_MAX_AGE"] = "0"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_worker_purges_expired_tokens_in_postgres(worker):
    from accounts.tasks import api_token_purge_expired_task

    user = make_user(User.Role.LEAD)
    expired, _ = api_token_issue(user=user)
    kept, _ = api_token_issue(user=user)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=5))

    result = api_token_purge_expired_task.delay()
    try:
        deleted = result.get(timeout=60)
    except Exception:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        raise AssertionError(f"worker did not answer; its log:\n{output}") from None
    assert deleted == 1
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [kept.pk]
    # The answer came from the worker process, not in-process: eager mode is off here.
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and ApiToken.objects.filter(pk=expired.pk).exists():
        time.sleep(0.1)
    assert not ApiToken.objects.filter(pk=expired.pk).exists()
