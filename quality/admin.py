from django.contrib import admin

from .models import (
    Defect,
    Inspection,
    InspectionPhoto,
    LabelSheet,
    Lot,
    LotShare,
    MaterialTolerance,
    PieceOutcome,
    ScanEvent,
    ScanException,
    SwitchingEvent,
    SwitchingState,
)


class LotShareInline(admin.TabularInline):
    model = LotShare
    extra = 0
    readonly_fields = ("household", "quantity")
    can_delete = False


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "batch", "workshop", "quantity", "stage", "verdict", "round")
    list_filter = ("kind", "stage", "verdict")
    search_fields = ("code",)
    readonly_fields = ("code", "stage", "verdict", "round", "round_started_at", "stage_changed_at")
    inlines = [LotShareInline]


@admin.register(LotShare)
class LotShareAdmin(admin.ModelAdmin):
    list_display = ("lot", "household", "quantity")


@admin.register(ScanEvent)
class ScanEventAdmin(admin.ModelAdmin):
    list_display = ("lot", "action", "device_time", "actor", "applied", "flag")
    list_filter = ("action", "applied", "flag")
    search_fields = ("lot__code", "key")


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


class DefectInline(admin.TabularInline):
    model = Defect
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("lot", "round", "severity", "sample_size", "accept", "nonconforming", "verdict")
    list_filter = ("verdict", "severity", "disposition")
    search_fields = ("lot__code",)
    inlines = [DefectInline]


@admin.register(Defect)
class DefectAdmin(admin.ModelAdmin):
    list_display = ("inspection", "kind", "defect_class", "count", "household")
    list_filter = ("kind", "defect_class")


@admin.register(InspectionPhoto)
class InspectionPhotoAdmin(admin.ModelAdmin):
    list_display = ("inspection", "image", "width", "height", "created_at")


@admin.register(PieceOutcome)
class PieceOutcomeAdmin(admin.ModelAdmin):
    list_display = ("lot", "household", "order", "accepted", "rejected", "is_rework", "decided_at")
    list_filter = ("is_rework",)


class SwitchingEventInline(admin.TabularInline):
    model = SwitchingEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_severity", "to_severity", "stopped", "reason", "inspection", "at")


@admin.register(SwitchingState)
class SwitchingStateAdmin(admin.ModelAdmin):
    list_display = ("workshop", "product", "severity", "switching_score", "stopped")
    list_filter = ("severity", "stopped")
    inlines = [SwitchingEventInline]


@admin.register(SwitchingEvent)
class SwitchingEventAdmin(admin.ModelAdmin):
    list_display = ("state", "from_severity", "to_severity", "reason", "at")


@admin.register(MaterialTolerance)
class MaterialToleranceAdmin(admin.ModelAdmin):
    list_display = ("product", "tolerance_percent")


@admin.register(LabelSheet)
class LabelSheetAdmin(admin.ModelAdmin):
    list_display = ("job", "created_by", "created_at")
