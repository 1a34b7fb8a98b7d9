"""The Celery app. Settings live in config.settings under the CELERY_ prefix."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shouchuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("shouchuang.celery")


_ANNOUNCED = "SHOUCHUANG_TASK_MODE_ANNOUNCED"


def announce_mode() -> None:
    """Say once, at start-up, whether tasks go to a worker or run in-process: not again in a
    process this one starts (runserver's autoreloader runs the server in a child)."""
    from django.conf import settings

    if os.environ.get(_ANNOUNCED):
        return
    os.environ[_ANNOUNCED] = "1"

    if settings.CELERY_TASK_ALWAYS_EAGER:
        log.info("REDIS_URL is not set: background tasks run in-process (no worker needed).")
    else:
        log.info("Background tasks go to the Celery worker on %s.", settings.CELERY_BROKER_URL)
