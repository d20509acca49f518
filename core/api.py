"""API conventions shared by every endpoint (docs/api.md, "Conventions")."""
from collections.abc import Callable, Mapping

import django_filters
from django import forms

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, serializers, throttling

from .errors import ActionError, api_error


class CursorPagination(pagination.CursorPagination):
    """``{"next", "previous", "results"}``; ``page_size`` default 50, at most 500.

    A cursor, unlike an offset, lets a client walk a list that grows meanwhile and see each row once.
    Views set ``ordering`` to a stable, unique order (time-ordered lists end with ``id``).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"

    def get_ordering(self, request, queryset, view):
        # DRF reads a view's ``ordering`` only through an OrderingFilter, which this API does not offer.
        ordering = getattr(view, "ordering", None)
        if ordering:
            return (ordering,) if isinstance(ordering, str) else tuple(ordering)
        return super().get_ordering(request, queryset, view)


class RejectUnknownKeys:
    """Serializer mixin: a key the endpoint does not take is a 400, not silently dropped — a client
    sending {"status": "closed"} where a lifecycle route does that must learn so."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {key: [_("This field cannot be set here.")] for key in sorted(set(data) - writable)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, Mapping):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


def validation_errors(exc: DjangoValidationError, rename: Callable[[str, list, dict], bool] | None = None) -> dict:
    """A model's ValidationError as docs/api.md's ``{field: [messages]}`` (non-field errors → ``detail``).
    ``rename(field, messages, errors)`` may place a field's messages itself and return True."""
    if not hasattr(exc, "error_dict"):
        return {"detail": " ".join(exc.messages)}
    errors: dict = {}
    for field, messages in exc.message_dict.items():
        if field == NON_FIELD_ERRORS:
            errors["detail"] = " ".join(messages)
        elif not (rename and rename(field, messages, errors)):
            errors[field] = messages
    return errors


def perform_action(action_function, *, rename=None, **kwargs):
    """Run an action function; answer its refusals the API's way (docs/api.md, "Errors"):
    Conflict → 409, other ActionErrors → 400 ``{"detail"}``, PermissionDenied → 403, ValidationError → 400."""
    try:
        return action_function(**kwargs)
    except ActionError as exc:
        raise api_error(exc) from exc
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(exc.args[0] if exc.args else None) from exc
    except DjangoValidationError as exc:
        raise serializers.ValidationError(validation_errors(exc, rename)) from exc


class ScopedRateThrottle:
    """Mixin: read the rate at request time, so the rate in settings is the rate in force."""

    def get_rate(self):
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(ScopedRateThrottle, throttling.UserRateThrottle):
    """Per signed-in user (so per token's owner, and per browser user)."""


class AnonymousRateThrottle(ScopedRateThrottle, throttling.AnonRateThrottle):
    """Per address for requests without credentials."""


# Ids are 64-bit: a number past that is no id, answered like any unknown id — never a 500 from
# the database ("int too large" on SQLite, "out of range" on PostgreSQL).
MAX_ID = 2**63 - 1
ID_REGEX = r"[0-9]{1,18}"


class IdChoiceField(django_filters.fields.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text.isdigit() or not 0 < int(text) <= MAX_ID:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(text)


class IdFilter(django_filters.ModelChoiceFilter):
    """Filter by the id of a related object; anything that is not a possible id is a 400."""

    field_class = IdChoiceField


class IdNumberFilter(django_filters.NumberFilter):
    """A bare id filter (no queryset): bounded like any id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
