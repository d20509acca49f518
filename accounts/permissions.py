"""DRF permission classes built on the one permission layer (``accounts.queries``)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .queries import may_write


class ApiRoleReadOnly(permissions.BasePermission):
    """The ``api`` role reads; it never writes (docs/product.md)."""

    message = _("API clients have read-only access.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or may_write(request.user)


DEFAULT = [permissions.IsAuthenticated, ApiRoleReadOnly]
