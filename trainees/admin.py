from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.errors import ApplicationError

from .models import (
    Assessment,
    AssessmentRevocation,
    Cohort,
    Module,
    Programme,
    ProgressLog,
    Trainee,
)
from .services import trainee_graduate


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "duration_days", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    inlines = [ModuleInline]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "programme", "start_date", "place_kind", "place")
    list_filter = ("programme", "place_kind")
    search_fields = ("name", "place")
    filter_horizontal = ("trainers",)


@admin.register(Trainee)
class TraineeAdmin(admin.ModelAdmin):
    list_display = ("name", "cohort", "background", "status", "county", "led_workshop")
    list_filter = ("status", "background", "cohort")
    search_fields = ("name", "county", "village")
    list_select_related = ("cohort", "led_workshop__organisation")
    raw_id_fields = ("household", "user", "led_workshop")
    # Status moves only through the services (graduation checks every module).
    readonly_fields = (
        "status",
        "graduated_on",
        "withdrawn_on",
        "withdraw_reason",
        "led_workshop",
        "lead_since",
    )
    actions = ["graduate"]

    @admin.action(description=_("结业（所有模块已通过）"))
    def graduate(self, request, queryset):
        for trainee in queryset:
            try:
                trainee_graduate(actor=request.user, trainee_id=trainee.pk)
            except ApplicationError as error:
                self.message_user(request, f"{trainee}: {error.message}", messages.ERROR)


# Logs and assessments are records (assessments certify the skills that make a household and
# its workshop eligible for work): corrections are new entries, never edits.
@admin.register(ProgressLog)
class ProgressLogAdmin(ReadOnlyAdmin):
    list_display = ("trainee", "module", "date", "hours", "score", "trainer", "corrects")
    list_filter = ("module__programme", "date")
    search_fields = ("trainee__name", "activity")
    list_select_related = ("trainee", "module", "trainer", "corrects")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = (
        "trainee",
        "module",
        "skill",
        "level",
        "score",
        "passed",
        "assessed_on",
        "certified_on",
    )
    list_filter = ("passed", "level", "module__programme")
    search_fields = ("trainee__name",)
    list_select_related = ("trainee", "module", "skill")


@admin.register(AssessmentRevocation)
class AssessmentRevocationAdmin(ReadOnlyAdmin):
    list_display = ("assessment", "reason", "revoked_by", "revoked_at")
    list_select_related = ("assessment__trainee", "assessment__module", "revoked_by")
