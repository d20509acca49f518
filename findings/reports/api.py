"""``reports/`` of API v1: ask for a report (202), follow it, download it."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS
from core.api import ID_REGEX, IdempotentMixin
from core.errors import ActionError, api_error
from inspections.queries import walkthroughs_visible
from services.models import Department

from ..models import Report, ReportKind, ReportStatus
from . import actions, queries
from .views import DOWNLOAD_FILES, DOWNLOAD_PARAM, report_file_response


class ReportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "kind", "status", "progress", "error", "created_at", "finished_at", "download_url",
                  "walkthrough", "department", "period_start", "period_end", "number", "issued_on"]
        read_only_fields = fields

    def get_download_url(self, report) -> str | None:
        if report.status != ReportStatus.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("v1:report-download", args=[report.pk]))


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    walkthrough = serializers.IntegerField(required=False, min_value=1, help_text=_("For kind walkthrough."))
    department = serializers.IntegerField(required=False, min_value=1, help_text=_("For kind department; optional for the ledger."))
    period_start = serializers.DateField(required=False, help_text=_("For the bulletin and the ledger."))
    period_end = serializers.DateField(required=False, help_text=_("For the bulletin and the ledger."))


class ReportAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)


class ReportViewSet(IdempotentMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reports are made by the worker. POST answers 202 at once; the same request while one is
    pending, or done with nothing changed since, answers with that report."""

    serializer_class = ReportSerializer
    permission_classes = DEFAULT_PERMISSIONS
    lookup_value_regex = ID_REGEX
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return queries.reports_visible(self.request.user)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportAcceptedSerializer, 400: OpenApiResponse(description="Bad parameters"),
                                                               403: OpenApiResponse(description="Not allowed for this report")})
    def create(self, request, *args, **kwargs):
        params = ReportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        walkthrough = department = None
        if data.get("walkthrough"):
            walkthrough = walkthroughs_visible(request.user).filter(pk=data["walkthrough"]).first()
            if walkthrough is None:
                raise exceptions.ValidationError({"walkthrough": [_("No such walkthrough.")]})
        if data.get("department"):
            department = Department.objects.filter(pk=data["department"]).first()
            if department is None:
                raise exceptions.ValidationError({"department": [_("No such department.")]})
        try:
            report = actions.report_request(actor=request.user, kind=data["kind"], walkthrough=walkthrough,
                                            department=department, period_start=data.get("period_start"),
                                            period_end=data.get("period_end"))
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except ActionError as exc:
            raise api_error(exc) from exc
        return Response({"id": report.pk, "status": report.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
                              400: OpenApiResponse(description="Unknown file"),
                              404: OpenApiResponse(description="Not found or not ready")},
                   parameters=[OpenApiParameter(DOWNLOAD_PARAM, str, enum=list(DOWNLOAD_FILES), required=False,
                                                description="pdf (the default) or xlsx (the ledger only)")])
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The PDF (the ledger: add ``?file=xlsx`` for the spreadsheet); 404 until it is done.

        Not ``?format=``: DRF takes ``format`` as its renderer switch and answers 404 to an unknown one."""
        report = self.get_object()
        fmt = request.query_params.get(DOWNLOAD_PARAM, "pdf")
        if fmt not in DOWNLOAD_FILES:
            raise exceptions.ValidationError({DOWNLOAD_PARAM: _("Choose pdf or xlsx.")})
        if report.status != ReportStatus.DONE:
            raise exceptions.NotFound(_("The report is not ready yet."))
        return report_file_response(report, fmt)
