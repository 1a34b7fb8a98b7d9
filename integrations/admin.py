from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ApiKey, WebhookDelivery, WebhookEndpoint


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("key_prefix", "name", "organisation", "created_at", "revoked_at", "use_count")
    list_filter = ("revoked_at",)
    exclude = ("key_hash",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "organisation", "is_active", "consecutive_failures", "created_at")
    list_filter = ("is_active",)
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "event", "endpoint", "status", "attempts", "response_code", "created_at")
    list_filter = ("status", "event")
