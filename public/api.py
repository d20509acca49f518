"""``public-requests/`` of API v1: the office's side of 局长陪您办 (docs/api.md, "Resources").

A request holds a citizen's name and phone number, personal data kept for the office to call them
back: the list and every action are the office's alone, as in the pages (``office_page``); heads,
liaisons and API clients get 403. Writes go through ``public/actions.py``, the same functions the
page's buttons call.
"""
import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS
from accounts.queries import is_office
from core.api import ID_REGEX, IdempotentMixin, RejectUnknownKeys, perform_action
from core.categories import Category
from inspections import queries as walkthrough_queries

from . import actions
from .models import PublicRequest, PublicRequestKind, PublicRequestStatus

# --- serializers ----------------------------------------------------------------------------


class PublicRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicRequest
        fields = [
            "id", "code", "kind", "status", "service_item", "item_text", "name", "phone", "description", "preferred_date",
            "reply", "walkthrough", "finding", "handled_by", "created_at", "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "service_item": {"help_text": _("The catalog item the requester chose, or null (then see item_text).")},
            "walkthrough": {"help_text": _("The walkthrough planned by arrange, if any.")},
            "finding": {"help_text": _("The finding filed by forward, if any.")},
            "handled_by": {"help_text": _("The office member who last acted on it.")},
        }


class _PlannableLeaderField(serializers.PrimaryKeyRelatedField):
    # The page's choice: the active heads the office may name (inspections.queries.leaders_plannable).
    def get_queryset(self):
        return walkthrough_queries.leaders_plannable(self.context["request"].user)


class PublicRequestArrangeSerializer(RejectUnknownKeys, serializers.Serializer):
    leader = _PlannableLeaderField(queryset=User.objects.all(), help_text=_("The head who goes with the requester."))
    scheduled_for = serializers.DateField(help_text=_("The day of the accompanying walkthrough."))
    reply = serializers.CharField(max_length=actions.REPLY_MAX, required=False, allow_blank=True, default="",
                                  help_text=_("What the requester reads with their code; blank: a default naming the date."))


class PublicRequestForwardSerializer(RejectUnknownKeys, serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, help_text=_("The finding's category."))
    title = serializers.CharField(max_length=200, help_text=_("The finding's title."))
    reply = serializers.CharField(max_length=actions.REPLY_MAX, required=False, allow_blank=True, default="",
                                  help_text=_("What the requester reads with their code; blank: a default reply."))


class PublicRequestCloseSerializer(RejectUnknownKeys, serializers.Serializer):
    reply = serializers.CharField(max_length=actions.REPLY_MAX, help_text=_("What the requester reads with their code."))


class PublicRequestErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- filters, permission ----------------------------------------------------------------------


class PublicRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PublicRequestStatus.choices)
    kind = django_filters.ChoiceFilter(choices=PublicRequestKind.choices)

    class Meta:
        model = PublicRequest
        fields = ["status", "kind"]


class OfficeHandlesPublicRequests(permissions.BasePermission):
    """Every route, reads included: the requests carry names and phone numbers."""

    message = _("Only the office handles public requests.")

    def has_permission(self, request, view):
        return is_office(request.user)


# --- the view ---------------------------------------------------------------------------------


_ERRORS = {
    400: OpenApiResponse(description="Bad input (`{field: [messages]}`), or a rule refuses (`{detail}`): the request is "
                                     "closed, or names no catalog item (arrange, forward)."),
    403: OpenApiResponse(PublicRequestErrorSerializer, description="Not the office."),
    404: OpenApiResponse(PublicRequestErrorSerializer, description="No such request."),
    409: OpenApiResponse(PublicRequestErrorSerializer, description="Someone else closed the request meanwhile."),
}


def _act_schema(summary: str, description: str, request):
    return extend_schema(summary=summary, description=description, request=request,
                         responses={200: PublicRequestSerializer, **_ERRORS})


@extend_schema_view(
    list=extend_schema(summary="List public requests", description="Newest first; cursor-paginated. The office only.",
                       responses={200: PublicRequestSerializer(many=True), 403: _ERRORS[403],
                                  400: OpenApiResponse(description="A filter value that is not valid.")}),
    retrieve=extend_schema(summary="One public request", responses={200: PublicRequestSerializer, 403: _ERRORS[403],
                                                                    404: _ERRORS[404]}),
)
class PublicRequestViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests from the public page (局长陪您办), for the office to arrange, forward or close.

    Until a request is closed the office may act on it again; a closed request is final.
    """

    lookup_value_regex = ID_REGEX
    serializer_class = PublicRequestSerializer
    filterset_class = PublicRequestFilter
    ordering = ("-created_at", "-id")
    permission_classes = [*DEFAULT_PERMISSIONS, OfficeHandlesPublicRequests]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        # Rows render related objects as ids: one query for a page of any size.
        return PublicRequest.objects.all()

    def filter_queryset(self, queryset):
        # The filters are the list's; a stray ?status= on a detail or action must not turn it into a 404.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _act(self, request, action_function, serializer_class):
        public_request = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        public_request = perform_action(action_function, public_request=public_request, actor=request.user,
                                        **serializer.validated_data)
        return Response(PublicRequestSerializer(public_request, context=self.get_serializer_context()).data)

    @_act_schema("Arrange: a head goes with the requester",
                 "Plans an `accompany` walkthrough (as `applicant`, at the `window`) of the request's item for the head "
                 "and date; the request becomes `arranged`.", PublicRequestArrangeSerializer)
    @action(detail=True, methods=["post"])
    def arrange(self, request, pk=None):
        return self._act(request, actions.request_arrange, PublicRequestArrangeSerializer)

    @_act_schema("Forward: file it as a finding",
                 "Files a finding against the item's department, quoting the code and the requester's text; the request "
                 "becomes `forwarded`.", PublicRequestForwardSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._act(request, actions.request_forward, PublicRequestForwardSerializer)

    @_act_schema("Close with a reply", "The request becomes `closed`, for good.", PublicRequestCloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, actions.request_close, PublicRequestCloseSerializer)
