"""The admin is a window: what services write, it shows and never edits.

``ReadOnlyAdmin`` and ``ReadOnlyInline`` refuse add, change and delete whatever the user's
permissions (superusers included): the change form is a read-only page, and a POST to it, to
the add view or to the delete view is a 403. Admin actions without ``allowed_permissions``
still run; they are how an operator acts on these rows, and they call services.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def run_with_reason(modeladmin, request, queryset, *, title, service, done_message):
    """An admin action whose service needs the operator's reason: ask for it, then run.

    The first POST (the action chosen on the change list) answers with a page that asks for
    the reason; the second carries it, and ``service(row, reason)`` runs per selected row.
    Refusals are reported per row, not raised: the other rows still run.
    """
    reason = request.POST.get("reason", "").strip()
    if "apply" not in request.POST or not reason:
        if "apply" in request.POST:
            modeladmin.message_user(request, _("请填写原因。"), messages.ERROR)
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "opts": modeladmin.model._meta,
            "queryset": queryset,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/core/action_reason.html", context)
    run_on_each(
        modeladmin, request, queryset, lambda row: service(row, reason), done_message=done_message
    )
    return None


def run_on_each(modeladmin, request, queryset, service, *, done_message: str) -> None:
    """Call ``service(row)`` per selected row; refusals are reported, the other rows still run."""
    done = 0
    for row in queryset:
        try:
            service(row)
        except ApplicationError as error:
            modeladmin.message_user(request, f"{row}: {error.message}", messages.ERROR)
        else:
            done += 1
    modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)
