from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = _("手机页面")

    def ready(self) -> None:
        from core.nav import nav_register
        from trainees.selectors import lead_results_register

        from .lead_results import workshop_results_since
        from .nav import NAV

        nav_register(NAV)
        lead_results_register(workshop_results_since)
