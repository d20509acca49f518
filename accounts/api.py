"""``POST /api/v1/auth/token/``: a token for a username and password."""
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api import ScopedRateThrottle

from . import actions


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send as `Authorization: Token <token>`. Shown only once."))


class TokenThrottle(ScopedRateThrottle, AnonRateThrottle):
    """Password guessing through the API: per address, tighter than other anonymous calls."""

    scope = "auth"


class ObtainTokenApi(APIView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = [TokenThrottle]

    def get_authenticate_header(self, request):
        return "Token"  # wrong credentials are a 401, as everywhere in the API

    @extend_schema(
        request=TokenRequestSerializer,
        responses={201: TokenResponseSerializer, 400: OpenApiResponse(description="Missing or too long fields"),
                   401: OpenApiResponse(description="Wrong username or password"), 429: OpenApiResponse(description="Too many attempts")},
        auth=[],
        summary="Get an API token",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)  # django-axes counts failures here
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("Wrong username or password."))
        _token, key = actions.api_token_create(user=user, name="POST /api/v1/auth/token/", created_by=user)
        return Response({"token": key}, status=status.HTTP_201_CREATED)
