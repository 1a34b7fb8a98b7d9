from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.errors import ApplicationError

from .models import (
    Batch,
    BatchEvent,
    MinimumWage,
    Order,
    OrderEvent,
    OrderPhoto,
    PendingPhoto,
    Ticket,
    TicketReturn,
    TicketReturnCorrection,
)
from .services import batch_release, batch_start_production


class BatchInline(ReadOnlyInline):
    model = Batch
    fields = ("number", "quantity", "status", "workshop", "claimed_at")
    readonly_fields = fields


# Orders, batches, tickets and their events are what payouts and the piece counts depend on
# (fees, quantities, who holds a batch): the admin shows them; services and actions change them.
@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("product_name", "merchant", "quantity", "fee_per_piece", "deadline", "status")
    list_filter = ("status", "merchant")
    search_fields = ("product_name",)
    inlines = [BatchInline]


class BatchEventInline(ReadOnlyInline):
    model = BatchEvent
    fields = ("from_status", "to_status", "workshop", "actor", "reason", "at")
    readonly_fields = fields


def _run_on_batches(modeladmin, request, queryset, service, done_message) -> None:
    """Call ``service`` per batch; refusals are reported, not raised (the others still run)."""
    done = 0
    for batch_id in queryset.values_list("pk", flat=True):
        try:
            service(batch_id=batch_id, actor=request.user)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"#{batch_id}: {exc.message}", messages.WARNING)
        else:
            done += 1
    modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "quantity", "status", "workshop", "claimed_at")
    list_filter = ("status",)
    search_fields = ("order__product_name",)
    list_select_related = ("order", "workshop__organisation")
    # Status changes go through orders.services.batch_transition (the actions), never a form.
    inlines = [BatchEventInline]
    actions = ["release_claims", "start_production"]

    @admin.action(description=_("退回所选已认领批次（重新待认领）"))
    def release_claims(self, request, queryset):
        _run_on_batches(self, request, queryset, batch_release, str(_("已退回 {count} 个批次。")))

    @admin.action(description=_("所选批次物料已到，开工"))
    def start_production(self, request, queryset):
        _run_on_batches(
            self, request, queryset, batch_start_production, str(_("已开工 {count} 个批次。"))
        )


class TicketReturnInline(ReadOnlyInline):
    model = TicketReturn
    fields = ("returned", "lost", "loss_reason", "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("batch", "household", "issued", "returned", "lost", "issued_at")
    list_select_related = ("batch__order", "household")
    inlines = [TicketReturnInline]


@admin.register(MinimumWage)
class MinimumWageAdmin(admin.ModelAdmin):
    list_display = ("province", "hourly", "tier", "effective_from", "source")
    list_filter = ("province",)
    search_fields = ("province", "source")
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(OrderPhoto)
class OrderPhotoAdmin(admin.ModelAdmin):
    list_display = ("order", "caption", "width", "height", "uploaded_by", "uploaded_at")
    readonly_fields = ("image", "thumbnail", "width", "height", "uploaded_by", "uploaded_at")


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    """An order's completion and other guarded moves: written by the services only."""

    list_display = ("at", "order", "from_status", "to_status", "actor", "reason")
    list_select_related = ("order", "actor")


@admin.register(TicketReturnCorrection)
class TicketReturnCorrectionAdmin(ReadOnlyAdmin):
    """A wrong hand-back corrected by a new entry (never an edit): pieces paid follow it."""

    list_display = ("recorded_at", "ticket", "returned_change", "reason", "recorded_by")
    list_select_related = ("ticket", "recorded_by")


@admin.register(PendingPhoto)
class PendingPhotoAdmin(ReadOnlyAdmin):
    """Photos chosen on an order form not yet saved: purged by beat, never served."""

    list_display = ("created_at", "owner", "original_name")
    list_select_related = ("owner",)
