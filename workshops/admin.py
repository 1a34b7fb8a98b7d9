"""The registry in the admin. Skills and capacity decide which work a workshop may take: they
are read-only here; they change through certification, an operator's recorded change (API)
and capacity requests that operators confirm or reject (the actions below)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline, run_on_each, run_with_reason

from .models import (
    Household,
    HouseholdConsent,
    HouseholdEvent,
    HouseholdImport,
    HouseholdSkill,
    RetiredCard,
    Skill,
    Workshop,
    WorkshopCapacityChange,
    WorkshopEvent,
    WorkshopSkill,
    WorkshopSkillChange,
)
from .services import workshop_capacity_confirm, workshop_capacity_reject


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")


class WorkshopSkillInline(ReadOnlyInline):
    model = WorkshopSkill
    fields = ("skill", "level")
    readonly_fields = fields


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("name", "lead", "daily_capacity", "status")
    list_filter = ("status", "organisation__province", "organisation__county")
    search_fields = ("organisation__name", "lead__username", "lead__display_name")
    list_select_related = ("organisation", "lead")
    inlines = [WorkshopSkillInline]

    def get_readonly_fields(self, request, obj=None):
        # Once registered: capacity through capacity changes, status through suspend/activate,
        # the lead through workshop_assign_lead; skills above through certification.
        if obj is None:
            return ()
        return ("organisation", "lead", "daily_capacity", "status", "created_at")


class HouseholdSkillInline(ReadOnlyInline):
    model = HouseholdSkill
    fields = ("skill", "level", "source", "certified_on")
    readonly_fields = fields


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "workshop",
        "members",
        "phone_masked",
        "payment_account_masked",
        "joined_on",
    )
    list_filter = ("is_active", "workshop")
    search_fields = ("name", "card_code")
    list_select_related = ("workshop__organisation",)
    readonly_fields = ("card_code", "card_issued_at", "erased_at")
    inlines = [HouseholdSkillInline]

    def has_change_permission(self, request, obj=None) -> bool:
        # Erased on the household's request: never edited back, not even here.
        if obj is not None and obj.erased_at is not None:
            return False
        return super().has_change_permission(request, obj)


@admin.register(WorkshopSkillChange)
class WorkshopSkillChangeAdmin(ReadOnlyAdmin):
    list_display = ("workshop", "skill", "from_level", "to_level", "source", "actor", "at")
    list_filter = ("source",)
    list_select_related = ("workshop__organisation", "skill", "actor")
    search_fields = ("workshop__organisation__name", "reason")


@admin.register(WorkshopCapacityChange)
class WorkshopCapacityChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "workshop",
        "from_capacity",
        "to_capacity",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
    )
    list_filter = ("status",)
    list_select_related = ("workshop__organisation", "requested_by", "decided_by")
    search_fields = ("workshop__organisation__name", "reason")
    actions = ["confirm", "reject"]

    @admin.action(description=_("确认所选产能变更（立即生效）"))
    def confirm(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda change: workshop_capacity_confirm(
                actor=request.user, workshop_id=change.workshop_id, change_id=change.pk
            ),
            done_message=str(_("已确认 {count} 项。")),
        )

    @admin.action(description=_("驳回所选产能变更（需填写原因）"))
    def reject(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            title=_("驳回所选产能变更申请，工坊保持原日产能。"),
            service=lambda change, reason: workshop_capacity_reject(
                actor=request.user,
                workshop_id=change.workshop_id,
                change_id=change.pk,
                reason=reason,
            ),
            done_message=str(_("已驳回 {count} 项。")),
        )


@admin.register(WorkshopEvent)
class WorkshopEventAdmin(ReadOnlyAdmin):
    """What was changed on a workshop, by whom and why: written by the services only."""

    list_display = ("at", "workshop", "kind", "actor", "reason")
    list_filter = ("kind",)
    list_select_related = ("workshop", "actor")
    search_fields = ("workshop__name", "reason")


@admin.register(HouseholdEvent)
class HouseholdEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "household", "kind", "actor", "reason")
    list_filter = ("kind",)
    list_select_related = ("household", "actor")
    search_fields = ("household__name", "reason")


@admin.register(RetiredCard)
class RetiredCardAdmin(ReadOnlyAdmin):
    list_display = ("code", "household", "issued_at", "retired_at", "retired_by", "reason")
    list_select_related = ("household", "retired_by")
    search_fields = ("code", "household__name")


@admin.register(HouseholdConsent)
class HouseholdConsentAdmin(ReadOnlyAdmin):
    list_display = ("household", "purpose", "method", "given_at", "recorded_by", "withdrawn_at")
    list_filter = ("purpose", "method")
    list_select_related = ("household", "recorded_by")
    search_fields = ("household__name",)


@admin.register(HouseholdImport)
class HouseholdImportAdmin(ReadOnlyAdmin):
    list_display = (
        "workshop",
        "file_name",
        "status",
        "uploaded_by",
        "uploaded_at",
        "created_count",
    )
    list_filter = ("status",)
    exclude = ("rows",)  # the roster's personal data: the import's page shows it to its people
