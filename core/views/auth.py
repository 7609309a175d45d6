"""Login, refresh, logout and the current user."""

from __future__ import annotations

from typing import cast

from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core import auth, services
from core.models import User
from core.permissions import AUTHENTICATED, PUBLIC
from core.selectors import memberships_of
from core.serializers import LoginInput, MeInput, MeOutput, RefreshInput, TokenPairOutput
from core.throttling import LoginAddressThrottle, LoginThrottle


def _pair(refresh, membership) -> dict:  # type: ignore[no-untyped-def]
    return {
        "access": str(refresh.access_token),
        "refresh": str(refresh),
        "access_expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        "tenant": membership.tenant.slug,
        "role": membership.role,
    }


class PublicAuthView(APIView):
    """No authentication on the way in, but failures still answer 401 (DRF turns them into 403
    when a view has no authenticator to name in WWW-Authenticate)."""

    authentication_classes: list = []
    capabilities = {"post": PUBLIC}

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class LoginView(PublicAuthView):
    throttle_classes = [LoginThrottle, LoginAddressThrottle]

    @extend_schema(request=LoginInput, responses={200: TokenPairOutput}, auth=[], tags=["auth"])
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership, refresh = auth.login(
            username=data.validated_data["username"],
            password=data.validated_data["password"],
            tenant_slug=data.validated_data.get("tenant"),
        )
        return Response(_pair(refresh, membership))


class RefreshView(PublicAuthView):
    @extend_schema(request=RefreshInput, responses={200: TokenPairOutput}, auth=[], tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership, refresh = auth.refresh_session(data.validated_data["refresh"])
        return Response(_pair(refresh, membership))


class LogoutView(APIView):
    capabilities = {"post": AUTHENTICATED}

    @extend_schema(request=RefreshInput, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        auth.logout(user=cast(User, request.user), raw_refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who is signed in, where, with which role; PATCH chooses their language."""

    capabilities = {"get": AUTHENTICATED, "patch": AUTHENTICATED}

    @extend_schema(responses={200: MeOutput}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(self._me(request))

    @extend_schema(request=MeInput, responses={200: MeOutput}, tags=["auth"])
    def patch(self, request: Request) -> Response:
        membership = getattr(request, "membership", None)
        if membership is None:
            raise PermissionDenied(gettext("You have no active membership in this organization."), code="no_membership")
        data = MeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.language_choose(membership, data.validated_data["language"])
        translation.activate(auth.answer_language(request._request, membership))
        return Response(self._me(request))

    def _me(self, request: Request) -> dict:
        context = {
            "membership": getattr(request, "membership", None),
            "memberships": memberships_of(user=cast(User, request.user)),
        }
        return MeOutput(request.user, context=context).data
