"""Admin for allocation runs (read-only: runs are made by the engine, applied by a service)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.errors import ApplicationError

from .models import AllocationProposal, AllocationRun
from .services import allocation_run_apply


class AllocationProposalInline(ReadOnlyInline):
    model = AllocationProposal
    fields = (
        "batch",
        "workshop",
        "status",
        "score",
        "cost_per_piece",
        "skip_reason",
        "excluded_by",
        "exclude_reason",
    )
    readonly_fields = fields


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "status",
        "apply",
        "assigned",
        "unassigned",
        "applied",
        "excluded",
        "total_cost",
    )
    list_filter = ("status", "apply")
    readonly_fields = [f.name for f in AllocationRun._meta.fields]
    inlines = [AllocationProposalInline]
    actions = ["apply_runs"]

    @admin.action(description=_("执行所选方案"))
    def apply_runs(self, request, queryset):
        for run in queryset:
            try:
                allocation_run_apply(run_id=run.pk, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"#{run.pk}: {exc.message}", messages.ERROR)


@admin.register(AllocationProposal)
class AllocationProposalAdmin(ReadOnlyAdmin):
    list_display = ("run", "batch", "workshop", "status", "score")
    list_filter = ("status",)
    readonly_fields = [f.name for f in AllocationProposal._meta.fields]
