"""API conventions shared by every endpoint (docs/api.md, "Conventions")."""
import json
import re
from collections.abc import Callable, Mapping

import django_filters
from django import forms

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, parsers, serializers, throttling
from rest_framework.utils.encoders import JSONEncoder

from . import idempotency
from .errors import ActionError, api_error
from .models import IdempotencyKey


_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone half of a UTF-16 pair: no UTF-8 text holds one


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser behind the input boundary: a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
    nested deeper than ``max_depth``, or holding a NUL or a lone surrogate in any string is a 400
    (ParseError), never a RecursionError or a database error further in."""

    max_depth = 32

    def parse(self, stream, media_type=None, parser_context=None):
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(body) > limit:
            raise exceptions.ParseError(_("The request body is larger than %(n)d bytes.") % {"n": limit})
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            data = json.loads(body.decode(encoding), parse_constant=self._no_constant)
        except RecursionError:
            raise exceptions.ParseError(_("JSON nested deeper than %(n)d levels.") % {"n": self.max_depth}) from None
        except ValueError as exc:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        self._check(data)
        return data

    @staticmethod
    def _no_constant(name):
        raise ValueError(f"{name} is not a JSON value")

    def _check(self, data):
        """Walked without recursion: depth, then each string (keys too)."""
        pending = [(data, 1)]
        while pending:
            value, depth = pending.pop()
            if isinstance(value, dict):
                if depth > self.max_depth:
                    raise exceptions.ParseError(_("JSON nested deeper than %(n)d levels.") % {"n": self.max_depth})
                for key, item in value.items():
                    pending.extend(((key, depth), (item, depth + 1)))
            elif isinstance(value, list):
                if depth > self.max_depth:
                    raise exceptions.ParseError(_("JSON nested deeper than %(n)d levels.") % {"n": self.max_depth})
                pending.extend((item, depth + 1) for item in value)
            elif isinstance(value, str):
                if "\x00" in value:
                    raise exceptions.ParseError(_("A value contains a NUL character."))
                if _SURROGATE.search(value):
                    raise exceptions.ParseError(_("A value contains an invalid character."))


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


class _Replay(Exception):
    def __init__(self, response):
        self.response = response


class IdempotentMixin:
    """Every POST may carry an ``Idempotency-Key``: done once per key and person; a repeat answers
    the first result again (status and body) with ``Idempotent-Replayed: true`` (core/idempotency.py).
    A refused request records nothing, so its key may be sent again once fixed."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles first
        if request.method == "POST":
            try:
                key = idempotency.key_of(request)
                found = idempotency.recorded(request.user, key, request) if key else None
            except ActionError as exc:
                raise exceptions.ValidationError({"detail": exc.message}) from exc
            if found is not None:
                raise _Replay(self._replayed(found))

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    @staticmethod
    def _replayed(found):
        from rest_framework.response import Response

        return Response(found.body, status=found.status_code, headers={"Idempotent-Replayed": "true"})

    def dispatch(self, request, *args, **kwargs):
        key = request.headers.get(idempotency.HEADER)
        if request.method != "POST" or not key:
            return super().dispatch(request, *args, **kwargs)
        try:
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)
                if 200 <= response.status_code < 300 and not response.has_header("Idempotent-Replayed"):
                    body = json.loads(json.dumps(response.data, cls=JSONEncoder)) if response.data is not None else None
                    IdempotencyKey.objects.create(user=self.request.user, key=key, request=f"{request.method} {request.path}"[:300],
                                                  status_code=response.status_code, body=body)
                return response
        except IntegrityError:
            # The same key won a race in another request; what this one did is undone with it.
            found = IdempotencyKey.objects.filter(user=self.request.user, key=key).first()
            if found is None:
                raise
            return self.finalize_response(self.request, self._replayed(found), *args, **kwargs)


def idempotency_key_in_schema(result, generator, request, public):
    """drf-spectacular post-processing hook: every POST documents the ``Idempotency-Key`` header."""
    parameter = {
        "in": "header", "name": idempotency.HEADER, "required": False, "schema": {"type": "string", "pattern": idempotency.KEY.pattern},
        "description": "A key the client makes (a UUID) so that a repeat of this request is done once: the same key from the "
                       "same user answers the first result again, with Idempotent-Replayed: true.",
    }
    for path in result.get("paths", {}).values():
        operation = path.get("post")
        if operation is not None and not path.get("post", {}).get("operationId", "").startswith("auth_token"):
            operation.setdefault("parameters", []).append(parameter)
    return result


EVIDENCE_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


def evidence_download_schema(*, owner: str, error_serializer):
    """The schema of an owner's ``evidence/{evidence_id}/download/`` route (walkthroughs, findings):
    the stored file, to whoever sees the owner, or a 404."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

    return extend_schema(
        summary=f"Download one of the {owner}'s files",
        description=f"The stored photo or PDF, to whoever sees the {owner} (a token too), as the pages' download serves it.",
        parameters=[OpenApiParameter("evidence_id", int, OpenApiParameter.PATH, description="The file's id.")],
        responses={**{(200, content_type): OpenApiTypes.BINARY for content_type in EVIDENCE_CONTENT_TYPES},
                   404: OpenApiResponse(error_serializer,
                                        description=f"No such {owner} or file, or one outside the caller's wall.")},
    )
