from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import ApiToken, User
from .queries import is_office

_OPERATOR_ONLY = ("is_superuser", "groups", "user_permissions")


class OfficeManaged:
    """Every model admin of the product is the office's to manage, not a matter of Django's
    per-model permissions: the role decides (the operator, ``is_superuser``, passes everywhere)."""

    def has_module_permission(self, request):
        return is_office(request.user)

    def has_view_permission(self, request, obj=None):
        return is_office(request.user)

    def has_add_permission(self, request, *args):
        return is_office(request.user)

    def has_change_permission(self, request, obj=None):
        return is_office(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_office(request.user)


class RoleCheckMixin:
    def clean(self):
        cleaned = super().clean()
        try:
            actions.user_role_check(role=cleaned.get("role"), department=cleaned.get("department"))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field, errors)
        return cleaned


class UserForm(RoleCheckMixin, UserChangeForm):
    pass


class UserCreateForm(RoleCheckMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


@admin.register(User)
class UserAdmin(OfficeManaged, DjangoUserAdmin):
    form = UserForm
    add_form = UserCreateForm
    list_display = ("username", "__str__", "role", "department", "is_active", "last_login")
    list_filter = ("role", "is_active", "department__level")
    list_select_related = ("department",)
    search_fields = ("username", "first_name", "last_name", "department__name")
    autocomplete_fields = ("department",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Campaign role"), {"fields": ("role", "department", "last_name", "first_name", "email", "phone")}),
        (_("Access"), {"fields": ("is_active", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("Campaign role"), {"fields": ("role", "department", "last_name", "first_name")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # The office manages people; making operators is for operators.
        return [(name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in _OPERATOR_ONLY)})
                for name, opts in fieldsets]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        actions.user_sync_staff(user=obj)


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(OfficeManaged, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    autocomplete_fields = ("user",)
    readonly_fields = ("prefix", "name", "user", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        return ("user", "name") if obj is None else self.readonly_fields

    def _people(self, request):
        """Whom the requester may mint a token for: exactly the people the user admin shows them
        (the office: nobody who is a superuser)."""
        return self.admin_site.get_model_admin(User).get_queryset(request)

    def get_queryset(self, request):
        # The office sees no operator's token either, as it sees no operator.
        return super().get_queryset(request).filter(user__in=self._people(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = self._people(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the record of who had access stays

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = actions.api_token_create(user=obj.user, name=obj.name, created_by=request.user)
        obj.pk, obj.prefix = token.pk, token.prefix  # for the admin's own "added" message
        messages.warning(request, _("The new token is shown only this once; copy it now: %(key)s") % {"key": key})

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = sum(actions.api_token_revoke(token=t, actor=request.user) for t in queryset.select_related("user"))
        messages.success(request, _("%(n)d tokens revoked.") % {"n": count})
