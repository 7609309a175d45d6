"""The caller's organization and its members."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import filters
from core.models import Membership
from core.permissions import AUTHENTICATED
from core.roles import CAPABILITIES, Role, roles_with
from core.selectors import membership_list
from core.serializers import (
    MemberCreateInput,
    MemberOutput,
    MemberUpdateInput,
    RolesOutput,
    TenantOutput,
    TenantUpdateInput,
)
from core.viewsets import TenantScopedViewSet
from domains.members import services


class TenantView(APIView):
    capabilities = {"get": "tenant.view", "patch": "tenant.manage"}

    @extend_schema(responses={200: TenantOutput}, tags=["tenant"])
    def get(self, request: Request) -> Response:
        return Response(TenantOutput(request.tenant).data)

    @extend_schema(request=TenantUpdateInput, responses={200: TenantOutput}, tags=["tenant"])
    def patch(self, request: Request) -> Response:
        data = TenantUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_update(
            tenant=request.tenant,
            name=data.validated_data.get("name"),
            timezone_name=data.validated_data.get("timezone"),
            actor=request.user,
        )
        return Response(TenantOutput(tenant).data)


class RolesView(APIView):
    """The permission matrix, for clients that adapt their UI to the caller's role."""

    capabilities = {"get": AUTHENTICATED}

    @extend_schema(responses={200: RolesOutput}, tags=["tenant"])
    def get(self, request: Request) -> Response:
        return Response(
            {
                "roles": [{"role": r.value, "label": r.label} for r in Role],
                "capabilities": [
                    {"capability": cap.name, "allows": cap.text, "roles": roles_with(cap.name)}
                    for cap in CAPABILITIES.values()
                ],
            }
        )


class MemberFilter(filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Membership
        fields = ["role"]


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Staff and customers of the caller's organization. Deleting deactivates (soft delete)."""

    serializer_class = MemberOutput
    filterset_class = MemberFilter
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    ordering_fields = ["id", "created_at"]
    capabilities = {
        "list": "members.view",
        "retrieve": "members.view",
        "create": "members.manage",
        "partial_update": "members.manage",
        "destroy": "members.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        include_inactive = self.request.query_params.get("include_inactive") in ("1", "true")
        return membership_list(tenant=self.request.tenant, include_inactive=include_inactive)

    @extend_schema(request=MemberCreateInput, responses={201: MemberOutput})
    def create(self, request: Request) -> Response:
        data = MemberCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_create(tenant=request.tenant, actor=request.user, **data.validated_data)
        return Response(MemberOutput(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateInput, responses={200: MemberOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change a member's role, 1C code or password (all or nothing)."""
        membership = self.get_object()  # another tenant's id is a 404 before any validation
        data = MemberUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_edit(membership=membership, actor=request.user, **data.validated_data)
        return Response(MemberOutput(membership).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.member_deactivate(membership=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
