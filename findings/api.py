"""``findings/`` of API v1 (placeholder: being written)."""
from rest_framework import serializers, viewsets

from . import queries
from .models import Finding


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "status"]


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FindingSerializer

    def get_queryset(self):
        return queries.findings_visible(self.request.user)
