from django.contrib import admin

from accounts.admin import OfficeManaged

from .models import Walkthrough


@admin.register(Walkthrough)
class WalkthroughAdmin(OfficeManaged, admin.ModelAdmin):
    """Read-only here: walkthroughs are planned and walked in their pages, which keep the history."""

    list_display = ("service_item", "department", "leader", "mode", "scheduled_for", "status")
    list_filter = ("status", "mode", "department__level")
    list_select_related = ("service_item", "department", "leader")
    date_hierarchy = "scheduled_for"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Walkthrough._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
