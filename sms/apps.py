from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = _("短信")

    def ready(self) -> None:
        from accounts.notifications import notice_recorder_register

        from .services import sms_notice_record

        # Texts other apps send (through accounts' notifier) are logged here too.
        notice_recorder_register(sms_notice_record)
