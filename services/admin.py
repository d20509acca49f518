from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin import OfficeManaged

from . import actions
from . import catalog_io
from .catalog_io import catalog_export
from .models import (Bundle, BundleItem, CatalogImport, CertificateDecision, Department, Material, Region, ServiceItem,
                     ServiceItemRevision, Step)


@admin.register(Region)
class RegionAdmin(OfficeManaged, admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    search_fields = ("name", "code")


@admin.register(Department)
class DepartmentAdmin(OfficeManaged, admin.ModelAdmin):
    list_display = ("name", "code", "level", "region", "is_active")
    list_filter = ("level", "region", "is_active")
    list_select_related = ("region",)
    search_fields = ("name", "code")


class MaterialInline(OfficeManaged, admin.TabularInline):
    model = Material
    fk_name = "item"
    extra = 0
    autocomplete_fields = ("issuing_item",)
    fields = ("position", "name", "necessity", "form", "source", "issuing_item", "copies", "note")


class StepInline(OfficeManaged, admin.TabularInline):
    model = Step
    extra = 0
    fields = ("position", "name", "handler", "time_limit_days")


class RevisionInline(OfficeManaged, admin.TabularInline):
    model = ServiceItemRevision
    extra = 0
    can_delete = False
    fields = ("revision", "created_at", "source", "actor", "changed_fields")
    readonly_fields = fields
    ordering = ("-revision",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _export_response(queryset, fmt: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # so Excel opens UTF-8 csv with the Chinese intact
        catalog_export(out=response, fmt="csv", items=queryset)
    else:
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        catalog_export(out=response, fmt="xlsx", items=queryset)
    response["Content-Disposition"] = f'attachment; filename="catalog-{stamp}.{fmt}"'
    return response


@admin.register(ServiceItem)
class ServiceItemAdmin(OfficeManaged, admin.ModelAdmin):
    list_display = ("name", "code", "department", "item_type", "legal_limit_days", "promised_limit_days", "max_visits",
                    "online_depth", "high_frequency", "enterprise_related", "revision")
    list_filter = ("item_type", "high_frequency", "enterprise_related", "in_hall", "online_depth", "department__level", "department")
    list_select_related = ("department",)
    search_fields = ("name", "code")
    readonly_fields = ("revision", "created_at", "updated_at")
    inlines = (MaterialInline, StepInline, RevisionInline)
    actions = ("export_xlsx", "export_csv")
    fieldsets = (
        (None, {"fields": ("code", "catalog_code", "name", "item_type", "served_party", "department", "is_active")}),
        (_("Time limits and visits"), {"fields": ("case_type", ("legal_limit_days", "promised_limit_days", "limit_unit"),
                                                   "max_visits", "online_depth")}),
        (_("Window"), {"fields": ("in_hall", "window_authorized", "has_authorization_letter", "location", "enquiry_phone")}),
        (_("Fees and intermediaries"), {"fields": ("fee", "fee_basis", "intermediary")}),
        (_("Flags"), {"fields": ("high_frequency", "enterprise_related", "effective_date")}),
        (_("History"), {"fields": ("revision", "created_at", "updated_at")}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inlines are saved now, so the revision holds the item's materials and steps too.
        actions.item_revision_record(item=form.instance, source="admin", actor=request.user)

    @admin.action(description=_("Export selected items as xlsx"))
    def export_xlsx(self, request, queryset):
        return _export_response(queryset, "xlsx")

    @admin.action(description=_("Export selected items as csv"))
    def export_csv(self, request, queryset):
        return _export_response(queryset, "csv")


class CatalogImportForm(forms.ModelForm):
    class Meta:
        model = CatalogImport
        fields = ("file",)
        help_texts = {"file": _("An .xlsx workbook with the sheets 事项, 材料 and 环节 (as exported), or a .csv of items.")}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if upload.size > settings.CATALOG_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": settings.CATALOG_IMPORT_MAX_BYTES // 2**20})
        head = upload.read(4)
        upload.seek(0)
        if name.endswith(".xlsx") and head != b"PK\x03\x04":
            raise forms.ValidationError(_("The file is not a readable xlsx workbook."))
        return upload


@admin.register(CatalogImport)
class CatalogImportAdmin(OfficeManaged, admin.ModelAdmin):
    form = CatalogImportForm
    list_display = ("original_name", "status", "created_by", "created_at", "finished_at", "items_created", "items_updated", "error_total")
    list_filter = ("status",)
    list_select_related = ("created_by",)
    readonly_fields = ("original_name", "status", "created_by", "created_at", "started_at", "finished_at",
                       "items_created", "items_updated", "error_table")

    def get_fields(self, request, obj=None):
        return ("file",) if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # An import is a record of what happened: it can be viewed, not edited.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("rejected rows"))
    def error_total(self, obj):
        return len(obj.errors)

    @admin.display(description=_("rejected rows"))
    def error_table(self, obj):
        from django.template.loader import render_to_string

        return render_to_string("services/_import_errors.html", {"errors": obj.errors})

    def save_model(self, request, obj, form, change):
        obj.original_name = form.cleaned_data["file"].name[:255]
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        catalog_io.catalog_import_enqueue(catalog_import=obj)
        messages.info(request, _("The file is queued for import; this page shows the result when the worker has finished."))


class BundleItemInline(OfficeManaged, admin.TabularInline):
    model = BundleItem
    extra = 1
    autocomplete_fields = ("item",)
    fields = ("position", "item")


@admin.register(Bundle)
class BundleAdmin(OfficeManaged, admin.ModelAdmin):
    """The office defines bundles (一件事) as ordered sets of items."""

    list_display = ("name", "code", "is_active")
    search_fields = ("name", "code")
    inlines = (BundleItemInline,)


@admin.register(CertificateDecision)
class CertificateDecisionAdmin(OfficeManaged, admin.ModelAdmin):
    """The office's decisions on the certificate graph, withdrawn ones included — a record, read
    only: decisions are taken and withdrawn on the certificate graph page (or over the API)."""

    list_display = ("key", "kind", "reason", "decided_by", "decided_at", "withdrawn_by", "withdrawn_at")
    list_filter = ("kind", ("withdrawn_at", admin.EmptyFieldListFilter))
    list_select_related = ("decided_by", "withdrawn_by")
    search_fields = ("key", "reason")
    fields = list_display + ("items",)
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
