"""The SMS log in the admin: a window, never edited (it is the record of what was said)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "direction",
        "number_masked",
        "command",
        "status",
        "delivery_status",
        "gateway_id",
    )
    list_filter = ("direction", "command", "status", "delivery_status")
    search_fields = ("gateway_id",)
    exclude = ("number_key",)
