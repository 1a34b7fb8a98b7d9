from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: errors, base schemas, photos, privacy, page helpers and tags."""

    name = "core"
    verbose_name = _("公共")

    def ready(self) -> None:
        from django.core import checks

        from .pdf_fonts import pdf_font_check

        checks.register(pdf_font_check)
