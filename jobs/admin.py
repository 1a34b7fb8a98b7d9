from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "status",
        "done",
        "total",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "status")
    readonly_fields = [field.name for field in Job._meta.fields]
