"""The working calendar in the admin: the office marks holidays and make-up working days."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import workdays
from .models import WORKING_KINDS, CalendarDay, CalendarYear, DayKind, DaySource

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


class OfficeOnly:
    """The office's to manage, as ``accounts.admin.OfficeManaged`` (core sits below accounts, so
    it asks the user model's own ``is_office``)."""

    @staticmethod
    def _office(request) -> bool:
        user = request.user
        return bool(user.is_authenticated and user.is_active and (user.is_superuser or getattr(user, "is_office", False)))

    def has_module_permission(self, request):
        return self._office(request)

    def has_view_permission(self, request, obj=None):
        return self._office(request)

    def has_add_permission(self, request, *args):
        return self._office(request)

    def has_change_permission(self, request, obj=None):
        return self._office(request)

    def has_delete_permission(self, request, obj=None):
        return self._office(request)


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(y), str(y)) for y in CalendarYear.objects.order_by("-year").values_list("year", flat=True)]

    def queryset(self, request, queryset):
        return queryset.filter(day__year=int(self.value())) if self.value() and self.value().isdigit() else queryset


def _changing(days):
    workdays.calendar_changing.send(sender=CalendarDay, days=days)


def _changed(days):
    workdays.calendar_changed.send(sender=CalendarDay, days=days)


def _mark(kind: str, label):
    def action(modeladmin, request, queryset):
        with transaction.atomic():
            days = list(queryset.values_list("day", flat=True))
            _changing(days)
            updates = {"kind": kind, "workday": kind in WORKING_KINDS, "source": DaySource.OFFICE}
            if kind in (DayKind.WEEKDAY, DayKind.WEEKEND):
                for day in days:  # "as the week goes": the kind follows the weekday, the name goes
                    plain = DayKind.WEEKDAY if day.weekday() < 5 else DayKind.WEEKEND
                    CalendarDay.objects.filter(day=day).update(kind=plain, workday=plain in WORKING_KINDS, name="",
                                                               source=DaySource.OFFICE)
            else:
                queryset.update(**updates)
            _changed(days)
        modeladmin.message_user(request, gettext("%(n)d days marked: %(kind)s.") % {"n": len(days), "kind": label},
                                messages.SUCCESS)
    action.short_description = label
    action.__name__ = f"mark_{kind}"
    return action


@admin.register(CalendarDay)
class CalendarDayAdmin(OfficeOnly, admin.ModelAdmin):
    list_display = ("day", "weekday", "kind", "workday", "name", "source", "updated_at")
    list_filter = (YearFilter, "kind", "workday", "source")
    search_fields = ("name",)
    date_hierarchy = "day"
    fields = ("day", "kind", "name", "source", "updated_at")
    readonly_fields = ("source", "updated_at")
    list_per_page = 100
    actions = [_mark(DayKind.HOLIDAY, _("Mark as public holiday (rest)")),
               _mark(DayKind.MAKEUP, _("Mark as make-up working day")),
               _mark(DayKind.WEEKDAY, _("Mark as an ordinary day (as the week goes)"))]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return "星期" + WEEKDAYS[obj.day.weekday()]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "day") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            obj.source = DaySource.OFFICE  # a refill from the package keeps it
            _changing([obj.day])
            super().save_model(request, obj, form, change)
            _changed([obj.day])

    def delete_model(self, request, obj):
        day = obj.day  # the deletion sets the primary key to None
        with transaction.atomic():
            _changing([day])
            super().delete_model(request, obj)
            _changed([day])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            days = list(queryset.values_list("day", flat=True))
            _changing(days)
            super().delete_queryset(request, queryset)
            _changed(days)


@admin.register(CalendarYear)
class CalendarYearAdmin(OfficeOnly, admin.ModelAdmin):
    """Adding a year fills all its days: the package's arrangement when it knows the year, else
    Monday to Friday for the office to mark the holidays and make-up days."""

    list_display = ("year", "filled_from", "filled_at", "holidays", "makeup_days")
    fields = ("year", "filled_from", "filled_at")
    readonly_fields = ("filled_from", "filled_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "year") if obj else self.readonly_fields

    def get_queryset(self, request):
        from django.db.models import Count, OuterRef, Subquery

        def count(kind):
            rows = (CalendarDay.objects.filter(day__year=OuterRef("year"), kind=kind).order_by()
                    .values("kind").annotate(n=Count("day")).values("n"))
            return Subquery(rows)
        return super().get_queryset(request).annotate(n_holidays=count(DayKind.HOLIDAY), n_makeup=count(DayKind.MAKEUP))

    @admin.display(description=_("public holidays"))
    def holidays(self, obj):
        return obj.n_holidays or 0

    @admin.display(description=_("make-up working days"))
    def makeup_days(self, obj):
        return obj.n_makeup or 0

    def has_delete_permission(self, request, obj=None):
        return False  # a year once filled stays; its days are edited one by one

    def save_model(self, request, obj, form, change):
        if change:
            return
        known = obj.year in workdays.package_years()
        workdays.fill_year(obj.year, from_package=known)
        if not known:
            self.message_user(request, gettext(
                "%(year)d is not in the package: its days are filled Monday to Friday. Mark its public holidays "
                "and make-up working days below, as the State Council published them.") % {"year": obj.year},
                messages.WARNING)
