from django.contrib import admin

from .models import Batch, BatchEvent, MinimumWage, Order, OrderPhoto, Ticket, TicketReturn


class BatchInline(admin.TabularInline):
    model = Batch
    extra = 0
    fields = ("number", "quantity", "status", "workshop", "claimed_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("product_name", "merchant", "quantity", "fee_per_piece", "deadline", "status")
    list_filter = ("status", "merchant")
    search_fields = ("product_name",)
    inlines = [BatchInline]


class BatchEventInline(admin.TabularInline):
    model = BatchEvent
    extra = 0
    readonly_fields = ("from_status", "to_status", "workshop", "actor", "reason", "at")
    can_delete = False


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("__str__", "quantity", "status", "workshop", "claimed_at")
    list_filter = ("status",)
    search_fields = ("order__product_name",)
    list_select_related = ("order", "workshop__organisation")
    # Status changes go through orders.services.batch_transition, never a form edit.
    readonly_fields = ("status", "workshop", "claimed_by", "claimed_at", "production_started_at")
    inlines = [BatchEventInline]


class TicketReturnInline(admin.TabularInline):
    model = TicketReturn
    extra = 0
    readonly_fields = ("returned", "lost", "loss_reason", "recorded_by", "recorded_at")
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("batch", "household", "issued", "returned", "lost", "issued_at")
    list_select_related = ("batch__order", "household")
    readonly_fields = ("issued", "returned", "lost")
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


from . import allocation_admin  # noqa: E402, F401 - allocation runs and proposals
