from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    """The composition root as an app: start-up wiring lives here, not in an app below."""

    name = "config"
    label = "project"
    verbose_name = _("项目")

    def ready(self) -> None:
        from .celery import announce_mode

        announce_mode()
