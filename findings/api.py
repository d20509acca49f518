"""``findings/`` of API v1: list and sync, file, move, history (docs/api.md, "Resources").

Serializers only parse and render; ``actions`` decides and writes; ``queries.findings_visible``
decides what each caller sees, so a finding outside the caller's wall answers 404 on every route.
"""
import datetime
import re
from collections.abc import Mapping

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings

from accounts.models import User
from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS
from core.api import evidence_download_schema, MAX_ID, ID_REGEX, CursorPagination, IdempotentMixin, IdFilter, RejectUnknownKeys, perform_action
from core.errors import ConflictApiError
from core.views import evidence_download as evidence_file
from inspections import actions as inspection_actions
from inspections import queries as inspection_queries
from inspections.actions import device_time_possible
from inspections.api import AwareDateTimeField, WalkthroughSerializer
from inspections.models import Mode, Walkthrough
from inspections.models import Status as WalkthroughStatus
from services.models import Department

from . import actions, queries, timeline
from core.categories import Category
from .models import OPEN_STATUSES, Comment, Finding, FindingEvidence, FindingStatus, Severity

# --- serializers ----------------------------------------------------------------------------


class FindingStatusField(serializers.ChoiceField):
    """A finding's status code (``status`` of a finding, ``to`` of a move, ``from``/``to`` of history)."""

    def __init__(self, **kwargs):
        super().__init__(choices=FindingStatus.choices, **kwargs)


class FindingStatusFieldSchema(OpenApiSerializerFieldExtension):
    # One choice set under three property names: drf-spectacular would name it after one of them
    # and warn (the schema must stay warning-free). One component, referenced by all of them.
    target_class = FindingStatusField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="FindingStatusEnum", type=ResolvedComponent.SCHEMA, object="FindingStatusEnum",
            schema={"type": "string", "enum": list(FindingStatus.values),
                    "description": build_choice_description_list(FindingStatus.choices)},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class FindingSerializer(serializers.ModelSerializer):
    status = FindingStatusField(read_only=True)
    # Annotated by queries.with_overdue(): the database decides, for a page of 500 as for one.
    overdue = serializers.BooleanField(source="is_overdue", read_only=True,
                                       help_text=_("Past the deadline and not closed or dismissed."))

    class Meta:
        model = Finding
        fields = [
            "id", "walkthrough", "service_item", "department", "category", "severity", "title", "description",
            "status", "version", "due_date", "overdue", "created_at", "updated_at", "closed_at",
            "checklist_question", "measures", "materials_cut", "days_cut", "visits_cut",
        ]
        read_only_fields = fields


# The list renders its rows with finding_row() instead of FindingSerializer, which stays what the
# schema documents and what renders a single finding: walking 21 DRF field objects per row was most
# of a list's time (docs/performance.md, section 2). A row is read with .values(*ROW_COLUMNS): the
# columns (foreign keys as ids), no model instance; "overdue" is decided on the row.
ROW_COLUMNS = (
    "id", "walkthrough_id", "service_item_id", "department_id", "category", "severity", "title", "description",
    "status", "version", "due_date", "created_at", "updated_at", "closed_at",
    "checklist_question", "measures", "materials_cut", "days_cut", "visits_cut",
)


def finding_row_renders_as_drf() -> bool:
    """Whether finding_row() gives what FindingSerializer would: it formats dates and times as DRF
    does with ISO 8601 and USE_TZ, this project's settings; under other settings the list falls
    back to the serializer."""
    return settings.USE_TZ and api_settings.DATETIME_FORMAT == ISO_8601 and api_settings.DATE_FORMAT == ISO_8601


def _iso_datetime(value: datetime.datetime | None, tz: datetime.tzinfo) -> str | None:
    # As DRF's DateTimeField.to_representation with "iso-8601": in the current time zone, "Z" for UTC.
    if value is None:
        return None
    if value.tzinfo is None:  # never from the database under USE_TZ; DRF decides where it belongs
        return serializers.DateTimeField().to_representation(value)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def finding_row(row: Mapping, tz: datetime.tzinfo, today: datetime.date) -> dict:
    """A finding's ``ROW_COLUMNS`` (a ``.values()`` row) as ``FindingSerializer`` renders the finding.

    Same keys in the same order and the same values: related objects as their ids, choices as
    their codes, dates and times in ISO 8601 (times in ``tz``, the current time zone), missing
    values as None, overdue as of ``today``. ``tests/test_finding_api.py`` holds it equal to DRF's
    rendering.
    """
    due_date = row["due_date"]
    return {
        "id": row["id"],
        "walkthrough": row["walkthrough_id"],
        "service_item": row["service_item_id"],
        "department": row["department_id"],
        "category": row["category"],
        "severity": row["severity"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "version": row["version"],
        "due_date": None if due_date is None else due_date.isoformat(),
        # queries.with_overdue()'s rule, on the row: no CASE for the database to build and compile.
        "overdue": due_date is not None and due_date < today and row["status"] in OPEN_STATUSES,
        "created_at": _iso_datetime(row["created_at"], tz),
        "updated_at": _iso_datetime(row["updated_at"], tz),
        "closed_at": _iso_datetime(row["closed_at"], tz),
        "checklist_question": row["checklist_question"],
        "measures": row["measures"],
        "materials_cut": row["materials_cut"],
        "days_cut": row["days_cut"],
        "visits_cut": row["visits_cut"],
    }


class _VisibleWalkthroughField(serializers.PrimaryKeyRelatedField):
    # A walkthrough outside the caller's wall "does not exist", exactly like an unknown id.
    def get_queryset(self):
        return inspection_queries.walkthroughs_visible(self.context["request"].user)


class FindingFileSerializer(RejectUnknownKeys, serializers.ModelSerializer):
    """A new finding: from a walkthrough (its head or the office), or directly (the office)."""

    walkthrough = _VisibleWalkthroughField(
        queryset=Walkthrough.objects.all(), required=False, allow_null=True,
        help_text=_("The walkthrough it was found on; department and item then come from the walkthrough."),
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True,
        help_text=_("The responsible department; defaults to the service item's."),
    )

    class Meta:
        model = Finding
        fields = ["category", "severity", "title", "description", "walkthrough", "checklist_question", "department",
                  "service_item"]

    def validate(self, attrs):
        # finding_file takes department and item from the walkthrough; a different one sent beside
        # it would be silently replaced, so it is refused instead.
        walkthrough = attrs.get("walkthrough")
        if walkthrough is not None:
            errors = {}
            for name in ("department", "service_item"):
                given = attrs.get(name)
                if given is not None and given.pk != getattr(walkthrough, f"{name}_id"):
                    errors[name] = [_("A finding from a walkthrough belongs to the walkthrough's; leave this out.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


def _ledger_field(name: str) -> serializers.IntegerField:
    # The bounds of the model's validators: finding_transition saves without full_clean().
    model_field = Finding._meta.get_field(name)
    maximum = min(v.limit_value for v in model_field.validators if hasattr(v, "limit_value") and v.code == "max_value")
    return serializers.IntegerField(min_value=0, max_value=maximum, required=False, allow_null=True,
                                    help_text=model_field.verbose_name)


class FindingLedgerSerializer(RejectUnknownKeys, serializers.Serializer):
    """What the catalog gained (the simplification ledger); kept only when the move closes the finding."""

    materials_cut = _ledger_field("materials_cut")
    days_cut = _ledger_field("days_cut")
    visits_cut = _ledger_field("visits_cut")


class FindingTransitionSerializer(RejectUnknownKeys, serializers.Serializer):
    to = FindingStatusField(help_text=_("The status to move to."))
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text=_("Why; required when rejecting or dismissing."),
    )
    due_date = serializers.DateField(
        required=False, allow_null=True,
        help_text=_("The rectification deadline: when assigning (defaults by severity) or when rejecting."),
    )
    version = serializers.IntegerField(min_value=1, help_text=_("The version the client last saw; a stale one gets 409."))
    ledger = FindingLedgerSerializer(required=False, help_text=_("Only when closing."))


class FindingHistorySerializer(serializers.Serializer):
    """One step of the finding's timeline (``findings/timeline.py``): its filing, a move, a reassignment
    (``from`` equals ``to``), measures as recorded, a file added, a comment. Never edited afterwards."""

    kind = serializers.ChoiceField(choices=timeline.KIND_CHOICES, read_only=True,
                                   help_text=_("filed, move, reassign, measures, evidence or comment."))
    to = FindingStatusField(source="to_status", read_only=True,
                            help_text=_("The status after the step (for anything but a move, the status at the time)."))
    by = serializers.CharField(source="actor.username", read_only=True, help_text=_("The username of who did it."))
    by_name = serializers.CharField(source="actor", read_only=True, help_text=_("Their name as shown in the pages."))
    at = serializers.DateTimeField(read_only=True)
    note = serializers.CharField(read_only=True, help_text=_(
        "A move's or reassignment's note, the measures as recorded, the file's name, or the comment."))
    evidence = serializers.SerializerMethodField(help_text=_("For a file: where the API serves it; otherwise null."))

    def get_fields(self):
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        return {"kind": fields.pop("kind"), "from": FindingStatusField(source="from_status", read_only=True), **fields}

    def get_evidence(self, entry) -> str | None:
        if entry.evidence is None:
            return None
        url = reverse("v1:finding-evidence-download", args=[entry.evidence.finding_id, entry.evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class FindingErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- rectification, evidence, comments, bulk assignment, re-walks, proposals (the pages' writes) -----


class FindingMeasuresSerializer(RejectUnknownKeys, serializers.Serializer):
    """What the department did; with ``submit`` also sent for verification, together or not at all."""

    # Not trimmed here: finding_submit decides that measures of blanks are no measures (and then
    # records nothing), as the page's one step does.
    measures = serializers.CharField(max_length=4000, allow_blank=True, trim_whitespace=False,
                                     help_text=_("The rectification measures, replacing those recorded before."))
    version = serializers.IntegerField(min_value=1, help_text=_("The version the client last saw; a stale one gets 409."))
    submit = serializers.BooleanField(default=False, help_text=_("Also submit for verification (rectifying → submitted), "
                                                                 "in the same step: all or nothing."))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text=_("A note for the history of the submission; used only with submit."))

    def validate(self, attrs):
        # Saving nothing is refused as the page's form refuses it; submitting it is finding_submit's refusal.
        if not attrs["submit"] and not attrs["measures"].strip():
            raise serializers.ValidationError({"measures": [self.fields["measures"].error_messages["blank"]]})
        return attrs


class FindingEvidenceSerializer(serializers.ModelSerializer):
    """A photo or PDF of a finding; the file itself is served by ``download_url`` to whoever may see the finding."""

    download_url = serializers.SerializerMethodField(help_text=_("Where the pages serve the file (a signed-in session)."))
    api_download_url = serializers.SerializerMethodField(
        help_text=_("Where the API serves the file, to a token too, after the same permission check."))
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, help_text=_("The username of who added it."))

    class Meta:
        model = FindingEvidence
        fields = ["id", "download_url", "api_download_url", "original_name", "content_type", "size", "uploaded_by",
                  "uploaded_at", "device_at"]
        read_only_fields = fields

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_download_url(self, evidence) -> str:
        return self._absolute(reverse("finding-evidence-download", args=[evidence.pk]))

    def get_api_download_url(self, evidence) -> str:
        return self._absolute(reverse("v1:finding-evidence-download", args=[evidence.finding_id, evidence.pk]))


class FindingEvidenceUploadSerializer(RejectUnknownKeys, serializers.Serializer):
    file = serializers.FileField(help_text=_("A photo (JPEG, PNG, WebP, HEIC) or a PDF; the type is decided by the content."))
    device_at = AwareDateTimeField(required=False, allow_null=True,
                                   help_text=_("When the phone took the photo, kept as sent (a photo sent later keeps its time)."))

    def validate_device_at(self, value):
        if value is not None and not device_time_possible(value):
            raise serializers.ValidationError(_("The device's time of the photo is impossible; check the phone's clock."))
        return value


class FindingCommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, help_text=_("The username of who wrote it."))
    author_name = serializers.CharField(source="author", read_only=True, help_text=_("Their name as shown in the pages."))

    class Meta:
        model = Comment
        fields = ["id", "author", "author_name", "body", "created_at"]
        read_only_fields = fields


class FindingCommentCreateSerializer(RejectUnknownKeys, serializers.Serializer):
    body = serializers.CharField(max_length=4000, help_text=_("The comment."))


class FindingBulkAssignSerializer(RejectUnknownKeys, serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500,
        help_text=_("The findings to assign; those not open, and those the caller cannot see, are left as they are."),
    )
    due_date = serializers.DateField(required=False, allow_null=True,
                                     help_text=_("The rectification deadline of all of them; defaults by each one's severity."))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text=_("A note for each finding's history."))


class FindingBulkAssignResultSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text=_("How many findings were assigned."))


class _PlannableLeaderField(serializers.PrimaryKeyRelatedField):
    # The heads the page offers (inspections.queries.leaders_plannable): the office's are every active head.
    def get_queryset(self):
        return inspection_queries.leaders_plannable(self.context["request"].user)


class FindingRewalkSerializer(RejectUnknownKeys, serializers.Serializer):
    leader = _PlannableLeaderField(queryset=User.objects.none(), help_text=_("The head who walks the item again."))
    scheduled_for = serializers.DateField(help_text=_("The day of the re-walk, from today on."))

    def validate_scheduled_for(self, value):
        if value < timezone.localdate():
            raise serializers.ValidationError(_("Choose a date from today on."))
        return value


class FindingProposalSerializer(serializers.Serializer):
    """Where a completed walkthrough met more than the catalog declares: a finding proposed, not yet filed."""

    key = serializers.CharField(help_text=_("Which figure: materials, visits, steps, time or online."))
    category = serializers.ChoiceField(choices=Category.choices)
    title = serializers.CharField()


class FindingProposalQuerySerializer(serializers.Serializer):
    walkthrough = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class FindingProposalDecisionSerializer(RejectUnknownKeys, serializers.Serializer):
    walkthrough = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The walkthrough that proposed it."))
    key = serializers.CharField(max_length=32, help_text=_("The proposal's key, as listed."))
    decision = serializers.ChoiceField(choices=[("confirm", _("file it as a finding")), ("discard", _("discard it"))])
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MINOR,
                                       help_text=_("The finding's severity; used only when confirming."))


# --- filters ----------------------------------------------------------------------------------


class _StrictBooleanField(forms.Field):
    # forms.NullBooleanField reads anything unknown as "no filter"; ?overdue=yes must be a 400.
    default_error_messages = {"invalid": _("Give true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = _StrictBooleanField


class _AwareIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    default_error_messages = {"naive": _("Give the time with its offset, e.g. 2026-03-02T09:30:00+08:00.")}
    # An unencoded "+" in a query string arrives as a space: "…T09:30:00 08:00" means "+08:00".
    _SPACE_FOR_PLUS = re.compile(r"([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")

    def to_python(self, value):
        if isinstance(value, str):
            value = self._SPACE_FOR_PLUS.sub(r"\1+\2", value.strip())
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return super().to_python(value)


class AwareIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _AwareIsoDateTimeField


class FindingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    department = IdFilter(queryset=Department.objects.all())
    overdue = StrictBooleanFilter(method="filter_overdue",
                                  help_text=_("Past the deadline and not closed or dismissed (true), or not (false)."))
    updated_since = AwareIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt",
        help_text=_("Everything changed after this time (ISO 8601 with offset): how clients sync."),
    )

    class Meta:
        model = Finding
        fields = ["status", "category", "severity", "department", "overdue", "updated_since"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(queries.overdue_q()) if value else queryset.exclude(queries.overdue_q())


# --- pagination ---------------------------------------------------------------------------------


class FindingSyncPagination(CursorPagination):
    """Ascending by (``updated_at``, ``id``), with both in the cursor: a keyset.

    DRF's cursor keeps only the first ordering field and counts rows of the same time with an
    offset; when one of those tied rows changed between two pages, the offset would skip a row the
    client never saw. (updated_at, id) is unique, so "after the last row seen" needs no offset.
    """

    ordering = ("updated_at", "id")

    def _get_position_from_instance(self, instance, ordering):
        # A .values() row (FindingViewSet.list), or a model instance (the list's fallback).
        if isinstance(instance, Mapping):
            return f"{instance['updated_at'].isoformat()}|{instance['id']}"
        return f"{instance.updated_at.isoformat()}|{instance.pk}"

    def _key(self, position: str):
        at_text, _sep, pk_text = position.rpartition("|")
        try:
            at, pk = parse_datetime(at_text), int(pk_text)
        except ValueError:
            at = pk = None
        if at is None or at.tzinfo is None:
            raise exceptions.NotFound(self.invalid_cursor_message)
        return at, pk

    def paginate_queryset(self, queryset, request, view=None):
        # As DRF's, with the position filter on both fields (DRF filters on ordering[0] alone).
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        offset, reverse, position = self.cursor if self.cursor is not None else (0, False, None)
        queryset = queryset.order_by("-updated_at", "-id") if reverse else queryset.order_by("updated_at", "id")
        if position is not None:
            at, pk = self._key(position)
            if reverse:
                queryset = queryset.filter(Q(updated_at__lt=at) | Q(updated_at=at, pk__lt=pk))
            else:
                queryset = queryset.filter(Q(updated_at__gt=at) | Q(updated_at=at, pk__gt=pk))
        results = list(queryset[offset:offset + self.page_size + 1])
        self.page = results[:self.page_size]
        following = self._get_position_from_instance(results[-1], self.ordering) if len(results) > self.page_size else None
        if reverse:
            self.page.reverse()
            self.has_next, self.next_position = position is not None or offset > 0, position
            self.has_previous, self.previous_position = following is not None, following
        else:
            self.has_next, self.next_position = following is not None, following
            self.has_previous, self.previous_position = position is not None or offset > 0, position
        self.display_page_controls = self.has_previous or self.has_next
        return self.page


class EvidencePagination(CursorPagination):
    ordering = ("uploaded_at", "id")  # oldest first, as the finding's page shows them


class CommentPagination(CursorPagination):
    ordering = ("created_at", "id")


# --- the view ---------------------------------------------------------------------------------


_ERRORS = {
    400: OpenApiResponse(description="Bad input (`{field: [messages]}`), or a move the table of moves does not have "
                                     "or a rule refuses (`{detail}`)."),
    403: OpenApiResponse(FindingErrorSerializer, description="The caller may see the finding but not do this "
                                                             "(and API clients never write)."),
    404: OpenApiResponse(FindingErrorSerializer, description="No such finding, or one outside the caller's wall."),
    409: OpenApiResponse(FindingErrorSerializer, description="`version` is stale: someone changed the finding "
                                                             "meanwhile. Reload it and decide again."),
}


@extend_schema_view(
    list=extend_schema(summary="List and sync findings",
                       responses={200: FindingSerializer(many=True),
                                  400: OpenApiResponse(description="A filter value that is not valid (`{filter: [messages]}`).")}),
    retrieve=extend_schema(summary="One finding", description="With the version a move must quote.",
                           responses={200: FindingSerializer, 404: _ERRORS[404]}),
)
class FindingViewSet(IdempotentMixin, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Findings the caller may see: the office all, a department's people its own, a head also
    those they filed elsewhere, an API client its scope.

    **Order and sync.** The list is ordered by last change, oldest first (`updated_at`, then `id`),
    and cursor-paginated. To sync, ask for `?updated_since=<the last updated_at you stored>` and
    follow `next` until it is `null`: every finding changed after that time comes once. A finding
    that changes while you walk moves to the end of the list, where you will reach it again, so
    no change is missed and none is skipped; store the greatest `updated_at` you saw for next time.
    A change is stamped when it is made and visible when it is committed, a moment later; start
    the next sync a minute before that time and skip what you already have (same `id` and
    `updated_at`). A finding reassigned out of a scoped client's department leaves its list.
    """

    lookup_value_regex = ID_REGEX
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    pagination_class = FindingSyncPagination
    permission_classes = DEFAULT_PERMISSIONS
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        # Rows render related objects as ids, so the list is one query at any page size.
        return queries.with_overdue(queries.findings_visible(self.request.user))

    def list(self, request, *args, **kwargs):
        if not finding_row_renders_as_drf():
            return super().list(request, *args, **kwargs)
        # The page as .values() rows, rendered by finding_row(): model instances would be built
        # only to be read once.
        rows = self.paginate_queryset(self.filter_queryset(queries.findings_visible(request.user)).values(*ROW_COLUMNS))
        tz, today = timezone.get_current_timezone(), timezone.localdate()
        return self.get_paginated_response([finding_row(row, tz, today) for row in rows])

    def filter_queryset(self, queryset):
        # The filters are the list's; a stray ?status= on a detail or move must not turn it into a 404.
        if self.action != "list":
            return queryset
        # Without any of its parameters the filter set filters nothing, but building and validating
        # its form still cost about 1 ms, a sixth of an unfiltered page's time.
        if not any(name in self.request.query_params for name in self.filterset_class.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def _render(self, finding, status_code=status.HTTP_200_OK):
        # Read back through the visible queryset, so "overdue" is the database's answer here too.
        finding = self.get_queryset().get(pk=finding.pk)
        return Response(FindingSerializer(finding, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(
        summary="File a finding",
        description="The office files directly (`department` and/or `service_item`) or from any walkthrough; a head "
                    "only from a walkthrough of their own (`walkthrough`), whose department and item it takes.",
        request=FindingFileSerializer,
        responses={201: FindingSerializer, 400: _ERRORS[400],
                   403: OpenApiResponse(FindingErrorSerializer, description="The caller may not file this finding.")},
    )
    def create(self, request):
        serializer = FindingFileSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        finding = perform_action(actions.finding_file, actor=request.user, **serializer.validated_data)
        return self._render(finding, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a finding through its lifecycle",
        description="open → rectifying (the office assigns; `due_date` defaults by severity) → submitted (the "
                    "department's liaison, once measures are recorded) → closed (the office; `ledger` records what "
                    "got simpler) or back to rectifying (rejected, `note` required); the office may dismiss an "
                    "unclosed finding (`note` required). One history row per move. Two clients quoting the same "
                    "`version`: one wins, the other gets 409.",
        request=FindingTransitionSerializer,
        responses={200: FindingSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        finding = self.get_object()
        serializer = FindingTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        finding = perform_action(actions.finding_transition, finding=finding, to=data["to"], actor=request.user,
                           note=data["note"], version=data["version"], due_date=data.get("due_date"),
                           ledger=data.get("ledger"))
        return self._render(finding)

    @extend_schema(
        summary="The finding's timeline",
        description="Every step, oldest first: the filing, each move (appeals and their decisions included), each "
                    "reassignment, the measures each time they were recorded, each file and each comment, with who "
                    "did it. The whole list, not paginated. `?kind=move,reassign` keeps only those kinds.",
        parameters=[OpenApiParameter("kind", str, description="Comma-separated kinds to keep (default: all).")],
        responses={200: FindingHistorySerializer(many=True),
                   400: OpenApiResponse(description="An unknown kind (`{kind: [messages]}`)."), 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        finding = self.get_object()
        kinds = [k for k in request.query_params.get("kind", "").split(",") if k]
        if unknown := sorted(set(kinds) - set(timeline.KINDS)):
            raise exceptions.ValidationError({"kind": [_("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}]})
        finding = timeline.timeline_prefetch(Finding.objects.filter(pk=finding.pk)).get()
        entries = [e for e in timeline.finding_timeline(finding) if not kinds or e.kind in kinds]
        return Response(FindingHistorySerializer(entries, many=True, context=self.get_serializer_context()).data)

    # --- the pages' other writes, through the same action functions and permission checks ----------------

    @staticmethod
    def _require(allowed: bool, message) -> None:
        # The page's check, made before the body is read: who may not do this learns that first.
        if not allowed:
            raise exceptions.PermissionDenied(message)

    @extend_schema(
        summary="Record the rectification measures (and submit)",
        description="The department's liaison, while the finding is being rectified. With `submit: true` the measures are "
                    "recorded and the finding submitted for verification in one step: both or neither (measures of "
                    "blanks are refused and nothing changes). Answers the finding, with its new `version`.",
        request=FindingMeasuresSerializer,
        responses={200: FindingSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def measures(self, request, pk=None):
        finding = self.get_object()
        self._require(queries.finding_may_rectify(request.user, finding),
                      _("Only the department's liaison records rectification, while it is under way."))
        serializer = FindingMeasuresSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["submit"]:
            finding = perform_action(actions.finding_submit, finding=finding, actor=request.user, measures=data["measures"],
                                     version=data["version"], note=data["note"])
        else:
            finding = perform_action(actions.finding_record_measures, finding=finding, actor=request.user,
                                     measures=data["measures"], version=data["version"])
        return self._render(finding)

    @extend_schema(
        methods=["GET"], summary="The finding's photos and documents",
        description="Oldest first, cursor-paginated. `download_url` serves the file to whoever may see the finding.",
        responses={200: FindingEvidenceSerializer(many=True), 404: _ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"], summary="Add a photo or PDF",
        description="Multipart: `file`, and `device_at` (when the phone took it). Whoever filed the finding, or the "
                    "office, while it is open; the department's liaison while it is being rectified. The type is "
                    "decided by the content, not the name: anything but a photo or a readable PDF, or a file over "
                    "the size limit, is a 400 and nothing is stored.",
        request={"multipart/form-data": FindingEvidenceUploadSerializer},
        responses={201: FindingEvidenceSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 404: _ERRORS[404],
                   415: OpenApiResponse(FindingErrorSerializer, description="Not sent as multipart/form-data.")},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=EvidencePagination,
            parser_classes=[parsers.MultiPartParser])
    def evidence(self, request, pk=None):
        finding = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            page = self.paginate_queryset(finding.evidence.select_related("uploaded_by"))
            return self.get_paginated_response(FindingEvidenceSerializer(page, many=True, context=context).data)
        self._require(queries.finding_may_attach(request.user, finding),
                      _("Photos are added by whoever filed the finding while it is open, and by the department's "
                        "liaison while it is being rectified."))
        serializer = FindingEvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = perform_action(actions.finding_evidence_add, finding=finding, actor=request.user,
                                  upload=serializer.validated_data["file"],
                                  device_at=serializer.validated_data.get("device_at"))
        return Response(FindingEvidenceSerializer(evidence, context=context).data, status=status.HTTP_201_CREATED)

    @evidence_download_schema(owner="finding", error_serializer=FindingErrorSerializer)
    @action(detail=True, methods=["get"], url_path=rf"evidence/(?P<evidence_id>{ID_REGEX})/download",
            url_name="evidence-download", filter_backends=[], pagination_class=None)
    def evidence_download(self, request, pk=None, evidence_id=None):
        finding = self.get_object()
        # The pages' download view, with this request's user (DRF's authentication sets it on the request).
        return evidence_file(request._request, pk=evidence_id,
                             visible=lambda user: queries.evidence_visible(user).filter(finding=finding))

    @extend_schema(
        methods=["GET"], summary="The finding's comments",
        description="Oldest first, cursor-paginated.",
        responses={200: FindingCommentSerializer(many=True), 404: _ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"], summary="Comment on a finding",
        description="Anyone who can see the finding, except API clients.",
        request=FindingCommentCreateSerializer,
        responses={201: FindingCommentSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=CommentPagination)
    def comments(self, request, pk=None):
        finding = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(finding.comments.select_related("author"))
            return self.get_paginated_response(FindingCommentSerializer(page, many=True).data)
        self._require(queries.finding_may_comment(request.user, finding), _("API clients have read-only access."))
        serializer = FindingCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = perform_action(actions.comment_add, finding=finding, actor=request.user,
                                 body=serializer.validated_data["body"])
        return Response(FindingCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Assign many findings at once",
        description="The office: every open finding among `ids` goes to rectifying with the same deadline and note; the "
                    "others, and ids the caller cannot see, are left as they are. All in one transaction: a refusal "
                    "(a deadline in the past) assigns none.",
        request=FindingBulkAssignSerializer,
        responses={200: FindingBulkAssignResultSerializer, 400: _ERRORS[400],
                   403: OpenApiResponse(FindingErrorSerializer, description="Only the office assigns findings.")},
    )
    @action(detail=False, methods=["post"], url_path="bulk-assign", filter_backends=[])
    def bulk_assign(self, request):
        self._require(queries.is_office(request.user), _("Only the office assigns findings."))
        serializer = FindingBulkAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assigned = perform_action(
            actions.finding_bulk_assign,
            findings=queries.findings_visible(request.user).filter(pk__in=data["ids"]).select_for_update(),
            actor=request.user, due_date=data.get("due_date"), note=data["note"],
        )
        return Response({"assigned": assigned})

    @extend_schema(
        summary="Schedule a re-walk of the finding's item",
        description="The office plans an incognito inspection (回头看) of the finding's service item, to verify the "
                    "rectification; `leader` is any active head. Answers the new walkthrough.",
        request=FindingRewalkSerializer,
        responses={201: WalkthroughSerializer, 400: _ERRORS[400],
                   403: OpenApiResponse(FindingErrorSerializer, description="Only the office schedules a re-walk."),
                   404: _ERRORS[404]},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def rewalk(self, request, pk=None):
        finding = self.get_object()
        self._require(queries.is_office(request.user), _("Only the office schedules a re-walk of a finding."))
        serializer = FindingRewalkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        if finding.service_item_id is None:
            raise exceptions.ValidationError({"detail": _("This finding names no service item to walk again.")})
        walkthrough = perform_action(
            inspection_actions.walkthrough_plan, actor=request.user, service_item=finding.service_item,
            leader=serializer.validated_data["leader"], mode=Mode.INSPECT, identity="incognito", channel="window",
            scheduled_for=serializer.validated_data["scheduled_for"], rewalk_of=finding,
        )
        return Response(WalkthroughSerializer(walkthrough, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def _proposal_walkthrough(self, walkthrough_id: int) -> Walkthrough:
        # The walkthrough is the proposal's address, like a path: outside the wall it does not exist (404).
        walkthrough = get_object_or_404(inspection_queries.walkthroughs_visible(self.request.user)
                                        .select_related("service_item"), pk=walkthrough_id)
        self._require(inspection_queries.walkthrough_may_file(self.request.user, walkthrough),
                      _("Only the walkthrough's own leader or the office may file findings from it."))
        return walkthrough

    @staticmethod
    def _open_proposals(walkthrough: Walkthrough) -> "list[dict]":  # (a bare list here is the list action)
        # As the walkthrough's page: proposals are made from the figures of a completed walkthrough.
        if walkthrough.status != WalkthroughStatus.COMPLETED:
            return []
        return inspection_queries.walkthrough_proposals(walkthrough)

    @extend_schema(
        methods=["GET"], summary="A walkthrough's open proposals",
        description="Where a completed walkthrough met more than the catalog declares (materials, visits, steps, time) "
                    "or less online depth: findings proposed and not yet confirmed or discarded. For the walkthrough's "
                    "own head and the office. The whole list, not paginated (at most five).",
        parameters=[OpenApiParameter("walkthrough", int, required=True, description="The walkthrough's id.")],
        responses={200: FindingProposalSerializer(many=True), 400: _ERRORS[400],
                   403: OpenApiResponse(FindingErrorSerializer, description="Only the walkthrough's head or the office."),
                   404: OpenApiResponse(FindingErrorSerializer, description="No such walkthrough, or one outside the wall.")},
    )
    @extend_schema(
        methods=["POST"], summary="Confirm or discard a proposal",
        description="`confirm` files the proposal as a finding of the walkthrough (201, the finding); `discard` drops it "
                    "(204). A proposal decided already, by anyone, is a 409: the decision conflicts with one made "
                    "meanwhile.",
        request=FindingProposalDecisionSerializer,
        responses={201: FindingSerializer, 204: OpenApiResponse(description="Discarded."), 400: _ERRORS[400],
                   403: OpenApiResponse(FindingErrorSerializer, description="Only the walkthrough's head or the office."),
                   404: OpenApiResponse(FindingErrorSerializer, description="No such walkthrough, or one outside the wall."),
                   409: OpenApiResponse(FindingErrorSerializer, description="The proposal was decided already.")},
    )
    @action(detail=False, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def proposals(self, request):
        if request.method == "GET":
            query = FindingProposalQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            walkthrough = self._proposal_walkthrough(query.validated_data["walkthrough"])
            return Response(FindingProposalSerializer(self._open_proposals(walkthrough), many=True).data)
        serializer = FindingProposalDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        walkthrough = self._proposal_walkthrough(data["walkthrough"])
        key = data["key"]
        proposal = next((p for p in self._open_proposals(walkthrough) if p["key"] == key), None)
        if proposal is None:
            if key in (walkthrough.discarded_proposals or []) or walkthrough.findings.filter(proposal_key=key).exists():
                raise ConflictApiError(_("This proposal has already been decided."))
            if walkthrough.status != WalkthroughStatus.COMPLETED:
                raise exceptions.ValidationError({"detail": _("Proposals are decided once the walkthrough is completed.")})
            raise exceptions.ValidationError({"key": [_("This walkthrough makes no such proposal.")]})
        if data["decision"] == "discard":
            perform_action(actions.proposal_discard, walkthrough=walkthrough, actor=request.user, key=key)
            return Response(status=status.HTTP_204_NO_CONTENT)
        finding = perform_action(actions.finding_file, actor=request.user, walkthrough=walkthrough,
                                 category=proposal["category"], title=proposal["title"][:200], proposal_key=key,
                                 severity=data["severity"])
        return self._render(finding, status.HTTP_201_CREATED)
