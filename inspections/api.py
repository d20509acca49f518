"""``walkthroughs/`` of API v1: plan, log and move walkthroughs (docs/api.md, "Resources").

Serializers only parse and render; the action functions decide and write; ``queries`` decides what
each caller sees, so an object outside the caller's wall answers 404 on every route.
"""

import base64
import binascii

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS
from core.api import evidence_download_schema, ID_REGEX, MAX_ID, IdempotentMixin, IdFilter, IdNumberFilter, RejectUnknownKeys, perform_action
from core.views import evidence_download as evidence_file
from services import queries as service_queries
from services.models import Department, ServiceItem

from . import actions, extensions, queries
from .checklists import question_for, questions_for
from .models import Answer, ChecklistAnswer, EventCorrection, Evidence, Mode, Status, TimelineEvent, Walkthrough

# --- serializers ----------------------------------------------------------------------------


def _model_field(name: str, *, api_name: str) -> serializers.Field:
    """The field ``ModelSerializer`` would build for ``Walkthrough.<name>`` (bounds and nullability
    from the model), exposed as ``api_name``."""
    field_class, kwargs = serializers.ModelSerializer().build_standard_field(name, Walkthrough._meta.get_field(name))
    return field_class(**kwargs) if name == api_name else field_class(source=name, **kwargs)


class WalkthroughObservedSerializer(RejectUnknownKeys, serializers.Serializer):
    """What the head actually met; ``null`` while not yet known."""

    materials = _model_field("observed_materials", api_name="materials")
    visits = _model_field("observed_visits", api_name="visits")
    steps = _model_field("observed_steps", api_name="steps")
    elapsed_minutes = _model_field("elapsed_minutes", api_name="elapsed_minutes")
    elapsed_days = _model_field("elapsed_days", api_name="elapsed_days")
    queue_minutes = _model_field("queue_minutes", api_name="queue_minutes")
    online_depth = _model_field("observed_online_depth", api_name="online_depth")


# model field → its place in the API body, for errors raised by the model's full_clean()
_OBSERVED_API_NAMES = {field.source: name for name, field in WalkthroughObservedSerializer().fields.items()}


class WalkthroughSerializer(serializers.ModelSerializer):
    observed = WalkthroughObservedSerializer(source="*", read_only=True)
    checklist_version = serializers.IntegerField(
        source="checklist.version", read_only=True, allow_null=True,
        help_text=_("The version of the mode's checklist the walkthrough is walked with (answers/ lists its questions)."))
    findings = serializers.SerializerMethodField(help_text=_("Ids of the findings filed from this walkthrough."))

    class Meta:
        model = Walkthrough
        fields = [
            "id", "service_item", "department", "leader", "mode", "checklist_version", "identity", "channel", "scheduled_for",
            "status", "version", "started_at", "completed_at", "cancelled_at", "observed", "summary", "findings",
            "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_findings(self, walkthrough) -> list[int]:
        # Lists prefetch the caller's visible findings (one query for the page); a single
        # walkthrough returned by an action asks once.
        if "findings" in getattr(walkthrough, "_prefetched_objects_cache", {}):
            return [f.pk for f in walkthrough.findings.all()]
        findings = extensions.walkthrough_findings_visible(self.context["request"].user)
        if findings is None:
            return []
        return list(findings.filter(walkthrough=walkthrough).order_by("id").values_list("id", flat=True))


class _VisibleServiceItemField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return service_queries.service_items_visible(self.context["request"].user)


class WalkthroughPlanSerializer(RejectUnknownKeys, serializers.ModelSerializer):
    """A new walkthrough, planned (by its head) or assigned (by the office)."""

    service_item = _VisibleServiceItemField(queryset=ServiceItem.objects.all())
    # Any user id parses; whether the caller may name them is walkthrough_plan's decision (403).
    leader = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False,
        help_text=_("The head who walks; defaults to the caller. The office names the head it assigns."),
    )

    class Meta:
        model = Walkthrough
        fields = ["service_item", "leader", "mode", "identity", "channel", "scheduled_for"]


class WalkthroughUpdateSerializer(RejectUnknownKeys, serializers.ModelSerializer):
    """Only the keys sent change; status moves through start/complete/cancel."""

    observed = WalkthroughObservedSerializer(source="*", required=False)
    version = serializers.IntegerField(
        min_value=1, required=False, write_only=True,
        help_text=_("The version the client last saw; a stale one gets 409."),
    )

    class Meta:
        model = Walkthrough
        fields = ["mode", "identity", "channel", "scheduled_for", "summary", "observed", "version"]


class WalkthroughMoveSerializer(RejectUnknownKeys, serializers.Serializer):
    """An optional note for the history, and the version the client last saw."""

    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text=_("The version the client last saw; a stale one gets 409."),
    )


class AwareDateTimeField(serializers.DateTimeField):
    """A time with its UTC offset: a naive one would silently mean the server's zone."""

    default_error_messages = {"naive": _("Give the time with its offset, e.g. 2026-03-02T09:30:00+08:00.")}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if isinstance(value, str) and parse_datetime(value.strip()).tzinfo is None:
            self.fail("naive")
        return parsed


class WalkthroughEventSerializer(RejectUnknownKeys, serializers.ModelSerializer):
    """One moment of the timeline."""

    at = AwareDateTimeField(required=False, help_text=_("When it happened; defaults to now."))
    device_at = AwareDateTimeField(required=False, allow_null=True,
                                   help_text=_("The device's time of the tap, kept as sent; the event's time when believable."))

    class Meta:
        model = TimelineEvent
        fields = ["id", "kind", "at", "device_at", "received_at", "withdrawn_at", "note"]
        read_only_fields = ["received_at", "withdrawn_at"]


class DeviceTimeField(AwareDateTimeField):
    """The phone's own time of a tap or a photo, kept as sent: with its offset, and not years off."""

    default_error_messages = {"impossible": _("The device's time of the tap is impossible; check the phone's clock.")}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not actions.device_time_possible(parsed):
            self.fail("impossible")
        return parsed


class EventCorrectionSerializer(RejectUnknownKeys, serializers.Serializer):
    """What the walk page's correction form offers: a new time or note, or the withdrawal with its reason."""

    at = AwareDateTimeField(required=False, help_text=_("The corrected time; unchanged when left out."))
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                 help_text=_("The corrected note; unchanged when left out."))
    withdraw = serializers.BooleanField(required=False, default=False,
                                        help_text=_("Withdraw the event: it stays on the timeline, marked."))
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text=_("Why; required for a withdrawal."))

    def validate(self, data):
        if data["withdraw"] and not data["reason"].strip():
            raise serializers.ValidationError({"reason": [_("Say why the event is withdrawn.")]})
        return data


class EventCorrectionResultSerializer(serializers.ModelSerializer):
    """The trace a correction leaves (old and new values), with the event as it is now."""

    event = WalkthroughEventSerializer(read_only=True)

    class Meta:
        model = EventCorrection
        fields = ["id", "event", "actor", "made_at", "old_at", "new_at", "old_note", "new_note", "withdrawn", "reason"]
        read_only_fields = fields


class WalkthroughEvidenceSerializer(serializers.ModelSerializer):
    """A photo or PDF of the walkthrough, or of one of its events or checklist answers."""

    download_url = serializers.SerializerMethodField(
        help_text=_("The permission-checked download (for a signed-in browser session)."))
    api_download_url = serializers.SerializerMethodField(
        help_text=_("The same file through the API (for a token)."))
    question = serializers.SlugRelatedField(
        source="answer", slug_field="question", read_only=True,
        help_text=_("The checklist question whose answer the file belongs to, if any."))

    class Meta:
        model = Evidence
        fields = ["id", "content_type", "size", "original_name", "uploaded_at", "device_at", "uploaded_by",
                  "event", "question", "download_url", "api_download_url"]
        read_only_fields = fields

    def get_download_url(self, evidence) -> str:
        return self.context["request"].build_absolute_uri(evidence.get_absolute_url())

    def get_api_download_url(self, evidence) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("v1:walkthrough-evidence-download", args=[evidence.walkthrough_id, evidence.pk]))


class WalkthroughEvidenceUploadSerializer(RejectUnknownKeys, serializers.Serializer):
    """A multipart upload: the file, and what it belongs to."""

    file = serializers.FileField(help_text=_("A photo (JPEG, PNG, WebP, HEIC) or a PDF, checked by its content."))
    event = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                     help_text=_("The id of one of this walkthrough's events the file belongs to."))
    question = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                     help_text=_("The code of an answered checklist question the file belongs to."))
    device_at = DeviceTimeField(required=False, allow_null=True,
                                help_text=_("When the photo was taken, as the device says; kept as sent."))


class ChecklistAnswerSerializer(serializers.Serializer):
    """One question of the walkthrough's mode, with the answer given so far (null fields while unanswered)."""

    question = serializers.CharField(help_text=_("The question's stable code."))
    section = serializers.CharField()
    text = serializers.CharField()
    category = serializers.CharField(help_text=_("The finding category a “problem” answer files under."))
    required = serializers.BooleanField(help_text=_("The walkthrough cannot be completed while this question is unanswered."))
    answer = serializers.ChoiceField(choices=Answer.choices, allow_null=True)
    note = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    answered_by = serializers.IntegerField(allow_null=True, help_text=_("The user id of who answered."))
    device_at = serializers.DateTimeField(allow_null=True)


def _answer_row(question, row: ChecklistAnswer | None) -> dict:
    return {
        "question": question.code, "section": str(question.section), "text": str(question.text),
        "category": question.category, "required": question.required, "answer": row.answer if row else None, "note": row.note if row else "",
        "answered_at": row.answered_at if row else None, "answered_by": row.answered_by_id if row else None,
        "device_at": row.device_at if row else None,
    }


class ChecklistAnswerSetSerializer(RejectUnknownKeys, serializers.Serializer):
    answer = serializers.ChoiceField(choices=Answer.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    device_at = DeviceTimeField(required=False, allow_null=True,
                                help_text=_("When the head answered, as the device says; kept as sent."))


class SignatureField(serializers.CharField):
    """The head's drawing as a data URL (``data:image/png;base64,…``), as the walk page's signature pad sends it."""

    default_error_messages = {"not_png": _("The signature must be a PNG drawn on the screen.")}

    def to_internal_value(self, value) -> bytes:
        head, _sep, data = super().to_internal_value(value).partition(",")
        if head != "data:image/png;base64":
            self.fail("not_png")
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("not_png")


class WalkthroughCompleteSerializer(WalkthroughMoveSerializer):
    signature = SignatureField(
        required=False, allow_blank=True, allow_null=True,
        help_text=_("The head's signature: a PNG data URL (data:image/png;base64,…), at most 512 KB."))


class WalkthroughErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- filters ----------------------------------------------------------------------------------


class WalkthroughFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    mode = django_filters.ChoiceFilter(choices=Mode.choices)
    department = IdFilter(queryset=Department.objects.all())
    # A number, not a choice among users: an unknown id gives an empty list, not a 400 that
    # would tell which user ids exist.
    leader = IdNumberFilter(field_name="leader_id", help_text=_("The leading head's user id."))
    scheduled_after = django_filters.DateFilter(field_name="scheduled_for", lookup_expr="gte",
                                                help_text=_("Scheduled on or after this date."))
    scheduled_before = django_filters.DateFilter(field_name="scheduled_for", lookup_expr="lte",
                                                 help_text=_("Scheduled on or before this date."))

    class Meta:
        model = Walkthrough
        fields = ["status", "mode", "department", "leader", "scheduled_after", "scheduled_before"]


# --- the view ---------------------------------------------------------------------------------


class MayWalk(permissions.BasePermission):
    """Writes to one walkthrough: its own head or the office (queries.walkthrough_may_walk).

    Checked on the object before the body is parsed, so that a caller who may not write learns
    that first. The actions check the same again.
    """

    message = _("Only the walkthrough's own leader or the office may do that.")

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or queries.walkthrough_may_walk(request.user, obj)


def _observed_names(field, messages, errors) -> bool:
    """Errors of observed_* model fields appear under ``observed`` with their API names."""
    if field in _OBSERVED_API_NAMES:
        errors.setdefault("observed", {})[_OBSERVED_API_NAMES[field]] = messages
        return True
    return False


def _perform(action_function, **kwargs):
    return perform_action(action_function, rename=_observed_names, **kwargs)


_ERRORS = {
    400: OpenApiResponse(description="Bad input (`{field: [messages]}`), or a move the lifecycle forbids (`{detail}`)."),
    403: OpenApiResponse(WalkthroughErrorSerializer, description="The caller may see the walkthrough but not do this."),
    404: OpenApiResponse(WalkthroughErrorSerializer, description="No such walkthrough, or one outside the caller's wall."),
    409: OpenApiResponse(WalkthroughErrorSerializer, description="`version` is stale: someone changed it meanwhile."),
}


def _move_schema(summary: str):
    return extend_schema(
        summary=summary, request=WalkthroughMoveSerializer,
        responses={200: WalkthroughSerializer, **_ERRORS},
    )


@extend_schema_view(
    list=extend_schema(summary="List walkthroughs", description="Newest scheduled first; cursor-paginated."),
    retrieve=extend_schema(summary="One walkthrough", responses={200: WalkthroughSerializer, 404: _ERRORS[404]}),
)
class WalkthroughViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Walkthroughs the caller may see: the office all, a department its items', a head also those
    they walk elsewhere, an API client its scope. Writes: the walkthrough's own head or the office."""

    lookup_value_regex = ID_REGEX
    serializer_class = WalkthroughSerializer
    filterset_class = WalkthroughFilter
    ordering = ("-scheduled_for", "-id")
    permission_classes = [*DEFAULT_PERMISSIONS, MayWalk]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        # Rows render ids only (service_item_id, …); findings come in one prefetch for the page.
        walkthroughs = queries.walkthroughs_visible(self.request.user).select_related("checklist")
        findings = extensions.walkthrough_findings_visible(self.request.user)
        if findings is None:
            return walkthroughs
        return walkthroughs.prefetch_related(
            Prefetch("findings", queryset=findings.only("id", "walkthrough_id").order_by("id")))

    def filter_queryset(self, queryset):
        # The filters are the list's; a stray ?status= on a detail or move must not turn it into a 404.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _render(self, walkthrough, status_code=status.HTTP_200_OK):
        return Response(WalkthroughSerializer(walkthrough, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(
        summary="Plan a walkthrough",
        request=WalkthroughPlanSerializer,
        responses={201: WalkthroughSerializer, 400: _ERRORS[400],
                   403: OpenApiResponse(WalkthroughErrorSerializer, description="The caller may not plan this one.")},
    )
    def create(self, request):
        serializer = WalkthroughPlanSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        walkthrough = _perform(
            actions.walkthrough_plan, actor=request.user, service_item=data["service_item"],
            leader=data.get("leader", request.user), mode=data["mode"],
            identity=data.get("identity", Walkthrough._meta.get_field("identity").get_default()),
            channel=data.get("channel", Walkthrough._meta.get_field("channel").get_default()),
            scheduled_for=data["scheduled_for"],
        )
        return self._render(walkthrough, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change plan details or observed figures",
        description="While the walkthrough is planned or in progress; mode and date only while planned.",
        request=WalkthroughUpdateSerializer,
        responses={200: WalkthroughSerializer, **_ERRORS},
    )
    def partial_update(self, request, pk=None):
        walkthrough = self.get_object()
        serializer = WalkthroughUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        walkthrough = _perform(actions.walkthrough_update, walkthrough=walkthrough, actor=request.user, data=data,
                               version=version)
        return self._render(walkthrough)

    def _move(self, request, to: str, serializer_class=WalkthroughMoveSerializer):
        walkthrough = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        walkthrough = _perform(actions.walkthrough_transition, walkthrough=walkthrough, to=to, actor=request.user,
                               note=data["note"], version=data.get("version"), signature=data.get("signature") or None)
        return self._render(walkthrough)

    @_move_schema("Start: planned → in progress")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._move(request, Status.IN_PROGRESS)

    @extend_schema(
        summary="Complete: in progress → completed",
        description="May carry the head's drawn signature, as the walk page's signature pad sends it. "
                    "Refused (400) while a required question of the checklist (`answers/`) is unanswered.",
        request=WalkthroughCompleteSerializer, responses={200: WalkthroughSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._move(request, Status.COMPLETED, WalkthroughCompleteSerializer)

    @_move_schema("Cancel: planned or in progress → cancelled")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._move(request, Status.CANCELLED)

    @extend_schema(
        methods=["GET"], summary="The timeline",
        description="Oldest first, cursor-paginated like every list.",
        responses={200: WalkthroughEventSerializer(many=True), 404: _ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"], summary="Log a timeline event",
        description="Only while the walkthrough is in progress; `at` defaults to now.",
        request=WalkthroughEventSerializer,
        responses={201: WalkthroughEventSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], ordering=("at", "id"))
    def events(self, request, pk=None):
        walkthrough = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(walkthrough.events.all())
            return self.get_paginated_response(WalkthroughEventSerializer(page, many=True).data)
        serializer = WalkthroughEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = _perform(actions.event_add, walkthrough=walkthrough, actor=request.user, kind=data["kind"],
                         note=data.get("note", ""), at=data.get("at"), device_at=data.get("device_at"))
        return Response(WalkthroughEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct or withdraw a timeline event",
        description="Before the walkthrough is completed. The old time and note stay in the answer and on the "
                    "walk page; a withdrawn event stays on the timeline with `withdrawn_at`.",
        parameters=[OpenApiParameter("event_id", int, OpenApiParameter.PATH, description="The event's id.")],
        request=EventCorrectionSerializer,
        responses={201: EventCorrectionResultSerializer, 400: _ERRORS[400], 403: _ERRORS[403],
                   404: OpenApiResponse(WalkthroughErrorSerializer,
                                        description="No such walkthrough or event, or one outside the caller's wall.")},
    )
    @action(detail=True, methods=["post"], url_path=rf"events/(?P<event_id>{ID_REGEX})/correct", url_name="event-correct")
    def event_correct(self, request, pk=None, event_id=None):
        walkthrough = self.get_object()
        event = get_object_or_404(walkthrough.events.all(), pk=event_id)
        serializer = EventCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        correction = _perform(actions.event_correct, event=event, actor=request.user, at=data.get("at"),
                              note=data.get("note"), withdraw=data["withdraw"], reason=data["reason"])
        return Response(EventCorrectionResultSerializer(correction).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"], summary="The walkthrough's photos and PDFs",
        description="Oldest first, cursor-paginated. Each names the event or checklist question it belongs to, if any.",
        responses={200: WalkthroughEvidenceSerializer(many=True), 404: _ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"], summary="Attach a photo or PDF",
        description="multipart/form-data. The type is decided by the content (a HEIC photo is stored as a JPEG); "
                    "a file larger than the limit (10 MB by default) is refused unread. While the walkthrough is "
                    "planned or in progress.",
        request={"multipart/form-data": WalkthroughEvidenceUploadSerializer},
        responses={201: WalkthroughEvidenceSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 404: _ERRORS[404],
                   415: OpenApiResponse(WalkthroughErrorSerializer, description="Not sent as multipart/form-data.")},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], ordering=("uploaded_at", "id"),
            parser_classes=[parsers.MultiPartParser])
    def evidence(self, request, pk=None):
        walkthrough = self.get_object()
        if request.method == "GET":
            # the answer's question code comes with the row: one query for the page
            page = self.paginate_queryset(walkthrough.evidence.select_related("answer"))
            return self.get_paginated_response(WalkthroughEvidenceSerializer(page, many=True, context=self.get_serializer_context()).data)
        serializer = WalkthroughEvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = answer = None
        if data.get("event") is not None:
            event = walkthrough.events.filter(pk=data["event"]).first()
            if event is None:
                raise serializers.ValidationError({"event": [_("This walkthrough has no such event.")]})
        if data.get("question"):
            answer = walkthrough.answers.filter(question=data["question"]).first()
            if answer is None:
                raise serializers.ValidationError({"question": [_("Answer the question before attaching a photo to it.")]})
        evidence = _perform(actions.evidence_add, walkthrough=walkthrough, actor=request.user, upload=data["file"],
                            event=event, answer=answer, device_at=data.get("device_at"))
        evidence.answer = answer  # rendered without asking again
        return Response(WalkthroughEvidenceSerializer(evidence, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @evidence_download_schema(owner="walkthrough", error_serializer=WalkthroughErrorSerializer)
    @action(detail=True, methods=["get"], url_path=rf"evidence/(?P<evidence_id>{ID_REGEX})/download",
            url_name="evidence-download")
    def evidence_download(self, request, pk=None, evidence_id=None):
        walkthrough = self.get_object()
        # The pages' download view, with this request's user (DRF's authentication sets it on the request).
        return evidence_file(request._request, pk=evidence_id,
                             visible=lambda user: queries.evidence_visible(user).filter(walkthrough=walkthrough))

    @extend_schema(
        summary="The checklist of the walkthrough's mode",
        description="Every question of the walkthrough's checklist version (`checklist_version`) in the page's order, "
                    "with the answer given so far (`answer` null while unanswered). `required` questions must be "
                    "answered before `complete/`. Not paginated: a mode has at most a few dozen questions.",
        responses={200: ChecklistAnswerSerializer(many=True), 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def answers(self, request, pk=None):
        walkthrough = self.get_object()
        given = {row.question: row for row in walkthrough.answers.all()}
        rows = [_answer_row(q, given.get(q.code)) for q in questions_for(walkthrough)]
        return Response(ChecklistAnswerSerializer(rows, many=True).data)

    @extend_schema(
        summary="Answer a checklist question",
        description="Sets (or changes) the answer and its note, while the walkthrough is planned or in progress. "
                    "A question that is not part of the mode's checklist: 400.",
        parameters=[OpenApiParameter("question", str, OpenApiParameter.PATH, pattern=r"^[a-z_]{1,32}$",
                                     description="The question's code, as `answers/` lists it.")],
        request=ChecklistAnswerSetSerializer,
        responses={200: ChecklistAnswerSerializer, 400: _ERRORS[400], 403: _ERRORS[403], 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["post"], url_path=r"answers/(?P<question>[a-z_]{1,32})", url_name="answer")
    def answer(self, request, pk=None, question=None):
        walkthrough = self.get_object()
        serializer = ChecklistAnswerSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = _perform(actions.checklist_answer_set, walkthrough=walkthrough, actor=request.user, question=question,
                       answer=data["answer"], note=data["note"], device_at=data.get("device_at"))
        return Response(ChecklistAnswerSerializer(_answer_row(question_for(walkthrough, row.question), row)).data)
