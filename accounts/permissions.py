"""DRF permission classes built on the one permission layer (``accounts.queries``)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .models import Role
from .queries import is_office, may_write


class ApiRoleReadOnly(permissions.BasePermission):
    """The ``api`` role reads; it never writes (docs/product.md)."""

    message = _("API clients have read-only access.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or may_write(request.user)


DEFAULT = [permissions.IsAuthenticated, ApiRoleReadOnly]


class ReadsTheApiDocs(permissions.BasePermission):
    """The interactive API documentation is for the office and for API accounts (systems' people);
    a head or a liaison has no use for it. The schema itself stays public: it is the contract."""

    message = _("The API documentation is for the office and for API accounts.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (is_office(user) or user.role == Role.API))
