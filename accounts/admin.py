from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .models import ApiToken, InboxItem, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "province", "county", "service_center", "is_active")
    list_filter = ("kind", "province", "is_active")
    search_fields = ("name", "county", "village")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "organisation", "is_active")
    list_filter = ("role", "is_active", "organisation__kind")
    search_fields = ("username", "display_name", "phone")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("平台"), {"fields": ("display_name", "phone", "role", "organisation")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            from .services import user_deactivate

            # Unticking "active" signs the person out of every phone at once.
            user_deactivate(user=obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("key_prefix", "user", "name", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "key_prefix")
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at")
    actions = ["revoke"]

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        from .services import api_token_revoke

        for token in queryset:
            api_token_revoke(token=token)


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin):
    """What a person was told and when they read it: support looks, nobody rewrites it."""

    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "text")
    list_select_related = ("user",)
