from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = _("手机页面")

    def ready(self) -> None:
        from core.nav import nav_register

        from .nav import NAV

        nav_register(NAV)
