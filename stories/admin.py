from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import OrderStory, StoryTag, StoryViewDay


@admin.register(OrderStory)
class OrderStoryAdmin(ReadOnlyAdmin):
    list_display = ("order", "enabled", "changed_by", "changed_at")
    list_select_related = ("order", "changed_by")


@admin.register(StoryTag)
class StoryTagAdmin(ReadOnlyAdmin):
    list_display = ("code", "lot", "created_at")
    list_select_related = ("lot",)
    search_fields = ("code", "lot__code")


@admin.register(StoryViewDay)
class StoryViewDayAdmin(ReadOnlyAdmin):
    list_display = ("tag", "day", "views")
    list_select_related = ("tag",)
