from django.contrib import admin

from accounts.admin import OfficeManaged

from .models import Finding, FindingTransition, Notification, SeverityDeadline


@admin.register(SeverityDeadline)
class SeverityDeadlineAdmin(OfficeManaged, admin.ModelAdmin):
    """The office sets the default rectification deadline of each severity here."""

    list_display = ("severity", "working_days")
    list_editable = ("working_days",)

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(OfficeManaged, admin.TabularInline):
    model = FindingTransition
    extra = 0
    fields = ("at", "actor", "from_status", "to_status", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(OfficeManaged, admin.ModelAdmin):
    """Read-only here: findings move only through their pages and API, which keep the history."""

    list_display = ("title", "department", "category", "severity", "status", "due_date", "created_at")
    list_filter = ("status", "severity", "category", "department__level")
    list_select_related = ("department",)
    search_fields = ("title",)
    inlines = (TransitionInline,)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Finding._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(OfficeManaged, admin.ModelAdmin):
    """What the site told whom (the same events as the e-mails); read-only, kept as it was sent."""

    list_display = ("created_at", "recipient", "event", "finding", "read_at")
    list_filter = ("event",)
    search_fields = ("recipient__username", "recipient__last_name", "finding__title")
    list_select_related = ("recipient", "finding")
    readonly_fields = ("recipient", "finding", "event", "text", "created_at", "read_at")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
