"""The shared concerns of page views, as decorators (healthchecks style)."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .queries import is_office, may_use_pages


def page(view):
    """A signed-in person (not an API client) — otherwise to the login page, or 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_use_pages(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def office_page(view):
    """Pages only the business-environment office sees."""

    @page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_office(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
