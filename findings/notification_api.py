"""``notifications/`` of API v1: each person's own notifications, as the notifications page shows them.

The reads and writes are the page's (``findings/notifications.py``): a person sees their own and
nobody else's (another's id answers 404, like an unknown one). API accounts have none: they are
systems, and notifications are for people (``notifications_visible``), so they get 403 here.
"""
import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS
from accounts.queries import may_use_pages
from core.api import ID_REGEX, IdempotentMixin, perform_action

from . import notifications
from .api import StrictBooleanFilter
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "finding", "event", "text", "created_at", "read_at"]
        read_only_fields = fields
        extra_kwargs = {"read_at": {"help_text": _("When it was first read; null while unread.")}}


class NotificationsReadSerializer(serializers.Serializer):
    read = serializers.IntegerField(help_text=_("How many notifications were unread and are now read."))


class NotificationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(method="filter_unread", help_text=_("Only the unread ones (true), or only the read ones (false)."))

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)


class HasNotifications(permissions.BasePermission):
    """People have notifications; API accounts (systems) have none."""

    message = _("API accounts have no notifications: they are kept for the people who use the pages.")

    def has_permission(self, request, view):
        return may_use_pages(request.user)


_ERRORS = {
    403: OpenApiResponse(NotificationErrorSerializer, description="An API account: notifications are for people."),
    404: OpenApiResponse(NotificationErrorSerializer, description="No such notification, or someone else's."),
}


@extend_schema_view(
    list=extend_schema(summary="My notifications", description="The caller's own, newest first; cursor-paginated.",
                       responses={200: NotificationSerializer(many=True), 403: _ERRORS[403],
                                  400: OpenApiResponse(description="A filter value that is not valid.")}),
)
class NotificationViewSet(IdempotentMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The e-mails about findings, kept for each person they were sent to (assignment, rejection,
    submission, deadline near, overdue). Each person reads and marks only their own."""

    lookup_value_regex = ID_REGEX
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering = ("-created_at", "-id")
    permission_classes = [*DEFAULT_PERMISSIONS, HasNotifications]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        # The finding renders as its id: one query for a page of any size.
        return notifications.notifications_visible(self.request.user)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(summary="Mark one read", description="The first time sets `read_at`; later calls keep that time.",
                   request=None, responses={200: NotificationSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = perform_action(notifications.notification_read, notification=self.get_object())
        return Response(NotificationSerializer(notification, context=self.get_serializer_context()).data)

    @extend_schema(summary="Mark all of mine read", request=None,
                   responses={200: NotificationsReadSerializer, 403: _ERRORS[403]})
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        n = perform_action(notifications.notifications_read_all, user=request.user)
        return Response({"read": n})
