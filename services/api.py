"""``departments/`` and ``service-items/`` of API v1."""
import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import ValidationError

from accounts.permissions import DEFAULT as DEFAULT_PERMISSIONS

from core.api import ID_REGEX, IdempotentMixin, IdFilter

from . import actions, queries
from .models import Department, ItemType, Material, ServiceItem, Step


class DepartmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "level", "region"]


class MaterialSerializer(serializers.ModelSerializer):
    issuing_item = serializers.PrimaryKeyRelatedField(
        queryset=ServiceItem.objects.all(), allow_null=True, required=False,
        help_text=_("For a certificate: the item that issues it."),
    )

    class Meta:
        model = Material
        fields = ["position", "name", "necessity", "form", "source", "issuing_item", "copies", "note"]
        read_only_fields = ["position"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["position", "name", "handler", "time_limit_days"]
        read_only_fields = ["position"]


class ServiceItemSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    materials = MaterialSerializer(many=True, required=False, help_text=_("Replaces the item's materials, in this order."))
    steps = StepSerializer(many=True, required=False, help_text=_("Replaces the item's steps, in this order."))

    class Meta:
        model = ServiceItem
        fields = [
            "id", "code", "name", "item_type", "department", "legal_limit_days", "promised_limit_days",
            "limit_unit", "max_visits", "online_depth", "in_hall", "window_authorized", "has_authorization_letter",
            "fee", "intermediary", "high_frequency", "enterprise_related", "case_type", "served_party",
            "catalog_code", "effective_date", "revision", "updated_at", "materials", "steps",
        ]
        read_only_fields = ["revision", "updated_at"]
        # The check constraints are validated by the model in the action; DRF's own
        # constraint validators would duplicate them with less clear messages.
        validators = []

    def validate(self, attrs):
        merged = {f: getattr(self.instance, f, None) for f in ("legal_limit_days", "promised_limit_days", "online_depth", "max_visits")}
        merged.update({k: v for k, v in attrs.items() if k in merged})
        errors = {}
        if merged["legal_limit_days"] is not None and merged["promised_limit_days"] is not None \
                and merged["promised_limit_days"] > merged["legal_limit_days"]:
            errors["promised_limit_days"] = [_("The promised time limit may not exceed the legal one.")]
        if merged["online_depth"] == 4 and merged["max_visits"]:
            errors["max_visits"] = [_("A fully online item (depth IV) requires zero on-site visits.")]
        if errors:
            raise ValidationError(errors)
        return attrs

    def _save(self, item):
        try:
            return actions.service_item_save(item=item, data=dict(self.validated_data), actor=self.context["request"].user)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from exc

    def create(self, validated_data):
        return self._save(None)

    def update(self, instance, validated_data):
        return self._save(instance)


class ServiceItemFilter(django_filters.FilterSet):
    department = IdFilter(queryset=Department.objects.all())
    item_type = django_filters.ChoiceFilter(choices=ItemType.choices)
    high_frequency = django_filters.BooleanFilter()
    enterprise_related = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text=_("Part of the name or code."))

    class Meta:
        model = ServiceItem
        fields = ["department", "item_type", "high_frequency", "enterprise_related"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class DepartmentFilter(django_filters.FilterSet):
    class Meta:
        model = Department
        fields = ["level"]


class CatalogManagePermission(permissions.BasePermission):
    message = _("Only the business-environment office manages the catalog.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or queries.catalog_may_manage(request.user)


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_REGEX
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter

    def get_queryset(self):
        return queries.departments_visible(self.request.user)


class ServiceItemViewSet(IdempotentMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Service items of the catalog. Anyone signed in reads; only the office creates and changes."""

    lookup_value_regex = ID_REGEX
    serializer_class = ServiceItemSerializer
    filterset_class = ServiceItemFilter
    permission_classes = [*DEFAULT_PERMISSIONS, CatalogManagePermission]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return queries.service_items_with_details(queries.service_items_visible(self.request.user))
