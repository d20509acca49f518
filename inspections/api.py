"""``walkthroughs/`` of API v1 (placeholder: being written)."""
from rest_framework import serializers, viewsets

from . import queries
from .models import Walkthrough


class WalkthroughSerializer(serializers.ModelSerializer):
    class Meta:
        model = Walkthrough
        fields = ["id", "status"]


class WalkthroughViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WalkthroughSerializer
    ordering = ("-scheduled_for", "-id")

    def get_queryset(self):
        return queries.walkthroughs_visible(self.request.user)
