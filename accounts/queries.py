"""Who may see what: the department wall, decided once for every resource.

Each resource's ``*_visible(user)`` queryset filters with :func:`department_scope`; pages, the API,
reports and downloads all call those, so a rule lives in exactly one place. An object outside the
scope answers 404, the same as one that does not exist.
"""
from django.db.models import Q

from .models import Role

_NOTHING = Q(pk__in=[])


def department_scope(user, field: str = "department") -> Q:
    """A filter on ``field`` (a foreign key to Department) for what ``user`` may see.

    - office (and operators): every department;
    - leader, liaison: their own department;
    - api: the department the client is scoped to, or every department when it has none;
    - anyone else, or a department user without a department: nothing.
    """
    if not (user and user.is_authenticated and user.is_active):
        return _NOTHING
    if user.is_superuser or user.role == Role.OFFICE:
        return Q()
    if user.role == Role.API:
        return Q() if user.department_id is None else Q(**{f"{field}_id": user.department_id})
    if user.role in (Role.LEADER, Role.LIAISON) and user.department_id:
        return Q(**{f"{field}_id": user.department_id})
    return _NOTHING


def is_office(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.OFFICE))


def may_use_pages(user) -> bool:
    """API clients are systems: they use tokens, never the pages."""
    return bool(user and user.is_authenticated and user.is_active and user.role != Role.API)


def may_write(user) -> bool:
    """The ``api`` role is read-only everywhere."""
    return bool(user and user.is_authenticated and user.is_active and user.role != Role.API)
