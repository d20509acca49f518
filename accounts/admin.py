from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from services.admin import OfficeManaged

from .models import User


@admin.register(User)
class UserAdmin(OfficeManaged, DjangoUserAdmin):
    list_display = ("username", "__str__", "role", "department", "is_active", "last_login")
    list_filter = ("role", "is_active", "department__level")
    list_select_related = ("department",)
    search_fields = ("username", "first_name", "last_name", "department__name")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Campaign role"), {"fields": ("role", "department", "phone")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Campaign role"), {"fields": ("role", "department")}),)
