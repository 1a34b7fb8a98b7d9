"""Quality in the admin: lots, scans, inspections, outcomes and switching states are read-only.

Payouts pay what inspections decided, and the switching rules set how hard the next lot is
checked: none of it is edited here. Operators act through the actions, which call services
that record who and why.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline, run_on_each, run_with_reason

from .corrections import switching_reset
from .models import (
    Defect,
    Inspection,
    InspectionPhoto,
    LabelSheet,
    Lot,
    LotDelivery,
    LotShare,
    MaterialTolerance,
    PieceLoss,
    PieceOutcome,
    ScanEvent,
    ScanException,
    ScanKey,
    SwitchingEvent,
    SwitchingState,
)
from .services import switching_approve_reduced, switching_resume


class LotShareInline(ReadOnlyInline):
    model = LotShare
    fields = ("household", "quantity")
    readonly_fields = fields


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "batch", "workshop", "quantity", "stage", "verdict", "round")
    list_filter = ("kind", "stage", "verdict")
    search_fields = ("code",)
    inlines = [LotShareInline]


@admin.register(LotShare)
class LotShareAdmin(ReadOnlyAdmin):
    list_display = ("lot", "household", "quantity")


@admin.register(ScanEvent)
class ScanEventAdmin(ReadOnlyAdmin):
    list_display = ("lot", "action", "device_time", "actor", "applied", "flag")
    list_filter = ("action", "applied", "flag")
    # Not by key: the events have no index on it (partitioned, docs/scaling.md); ScanKey has.
    search_fields = ("lot__code",)


@admin.register(ScanKey)
class ScanKeyAdmin(ReadOnlyAdmin):
    """Each client key once, with its event (``event_id``, ``recorded_at`` name the partition)."""

    list_display = ("key", "event_id", "recorded_at")
    search_fields = ("=key",)


@admin.register(ScanException)
class ScanExceptionAdmin(admin.ModelAdmin):
    """A window: exceptions are raised by scans and resolved through the API (a service)."""

    list_display = ("lot", "batch", "workshop", "holder", "reason", "created_at", "resolved_at")
    list_filter = ("reason",)
    search_fields = ("lot__code",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DefectInline(ReadOnlyInline):
    model = Defect
    fields = ("kind", "defect_class", "count", "household")
    readonly_fields = fields


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("lot", "round", "severity", "sample_size", "accept", "nonconforming", "verdict")
    list_filter = ("verdict", "severity", "disposition")
    search_fields = ("lot__code",)
    inlines = [DefectInline]


@admin.register(Defect)
class DefectAdmin(ReadOnlyAdmin):
    list_display = ("inspection", "kind", "defect_class", "count", "household")
    list_filter = ("kind", "defect_class")


@admin.register(InspectionPhoto)
class InspectionPhotoAdmin(ReadOnlyAdmin):
    list_display = ("inspection", "image", "width", "height", "created_at")


@admin.register(PieceOutcome)
class PieceOutcomeAdmin(ReadOnlyAdmin):
    list_display = ("lot", "household", "order", "accepted", "rejected", "is_rework", "decided_at")
    list_filter = ("is_rework",)


class SwitchingEventInline(ReadOnlyInline):
    model = SwitchingEvent
    fields = ("from_severity", "to_severity", "stopped", "reason", "note", "actor", "at")
    readonly_fields = fields


@admin.register(SwitchingState)
class SwitchingStateAdmin(ReadOnlyAdmin):
    list_display = ("workshop", "product", "severity", "switching_score", "stopped")
    list_filter = ("severity", "stopped")
    inlines = [SwitchingEventInline]
    actions = ["approve_reduced", "resume", "reset"]

    @admin.action(description=_("批准转为放宽检验（转移得分已达 30）"))
    def approve_reduced(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda state: switching_approve_reduced(actor=request.user, state_id=state.pk),
            done_message=str(_("已批准 {count} 项。")),
        )

    @admin.action(description=_("纠正措施后恢复检验（加严）"))
    def resume(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda state: switching_resume(actor=request.user, state_id=state.pk),
            done_message=str(_("已恢复 {count} 项。")),
        )

    @admin.action(description=_("重置为正常检验（需填写原因）"))
    def reset(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            title=_("将所选转移规则状态重置为正常检验，计数清零。"),
            service=lambda state, reason: switching_reset(
                actor=request.user, state_id=state.pk, reason=reason
            ),
            done_message=str(_("已重置 {count} 项。")),
        )


@admin.register(SwitchingEvent)
class SwitchingEventAdmin(ReadOnlyAdmin):
    list_display = ("state", "from_severity", "to_severity", "reason", "note", "actor", "at")


@admin.register(MaterialTolerance)
class MaterialToleranceAdmin(admin.ModelAdmin):
    list_display = ("product", "tolerance_percent")


@admin.register(LabelSheet)
class LabelSheetAdmin(admin.ModelAdmin):
    list_display = ("job", "created_by", "created_at")


@admin.register(LotDelivery)
class LotDeliveryAdmin(ReadOnlyAdmin):
    """Goods received against goods packed: what closes a batch. Services only."""

    list_display = ("received_at", "lot", "packed", "received", "reason", "received_by")
    list_select_related = ("lot", "received_by")
    search_fields = ("lot__code", "reason")


@admin.register(PieceLoss)
class PieceLossAdmin(ReadOnlyAdmin):
    """Pieces of a batch lost, with a reason: they count towards closing it. Services only."""

    list_display = ("recorded_at", "batch", "household", "pieces", "reason", "recorded_by")
    list_select_related = ("batch", "household", "recorded_by")
