from django.contrib import admin

from .models import Household, HouseholdSkill, Skill, Workshop, WorkshopSkill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")


class WorkshopSkillInline(admin.TabularInline):
    model = WorkshopSkill
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("name", "lead", "daily_capacity", "status")
    list_filter = ("status", "organisation__province", "organisation__county")
    search_fields = ("organisation__name", "lead__username", "lead__display_name")
    list_select_related = ("organisation", "lead")
    inlines = [WorkshopSkillInline]


class HouseholdSkillInline(admin.TabularInline):
    model = HouseholdSkill
    extra = 0


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
    search_fields = ("name",)
    list_select_related = ("workshop__organisation",)
    inlines = [HouseholdSkillInline]
