"""REST endpoints of the breadcrumbs: batch upload, agents' live list, tracks, distances, and
the tenant's field settings."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import Membership
from core.viewsets import TenantScopedViewSet
from domains.locations import rules, selectors, services
from domains.locations.models import Source
from domains.locations.points import parse_points
from domains.locations.serializers import (
    AgentOutput,
    DistanceDayOutput,
    DistanceInput,
    FieldSettingsInput,
    FieldSettingsOutput,
    ReceiptOutput,
    TrackInput,
    TrackOutput,
    UploadSchema,
)

TAGS = ["locations"]


class PointUploadView(APIView):
    """An agent's own points, buffered offline: the same rules as the live ``location`` frame.
    Retrying is safe: points already stored count as ``duplicates``. 200 means every point of
    the answer is committed; the phone may drop them."""

    capabilities = {"post": "locations.report"}

    @extend_schema(request=UploadSchema, responses={200: ReceiptOutput}, tags=TAGS)
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        fixes = parse_points(body.get("points"), limit=settings.LOCATIONS_MAX_POINTS_PER_UPLOAD)
        batch = services.Batch(tenant_id=request.tenant.pk, agent_id=request.user.pk, fixes=fixes, source=Source.UPLOAD)
        (receipt,) = services.record([batch])
        return Response(receipt.as_dict())


@extend_schema(tags=TAGS)
class AgentViewSet(mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Field agents with presence, last seen and current position: the dashboard's list, all
    agents in one answer. The agent's id is their user id."""

    serializer_class = AgentOutput
    pagination_class = None
    lookup_field = "user_id"
    lookup_url_kwarg = "id"
    capabilities = {
        "list": "locations.view",
        "retrieve": "locations.view",
        "track": "locations.view",
        "distance": "locations.view",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.agent_memberships(tenant=self.request.tenant)

    def get_tenant_queryset_model(self) -> type:
        return Membership

    def list(self, request: Request) -> Response:
        rows = selectors.agent_rows(tenant_id=request.tenant.pk, memberships=list(self.get_queryset()))
        return Response(rows)

    def retrieve(self, request: Request, id: str | None = None) -> Response:
        (row,) = selectors.agent_rows(tenant_id=request.tenant.pk, memberships=[self.get_object()])
        return Response(row)

    @extend_schema(parameters=[TrackInput], responses={200: TrackOutput})
    @action(detail=True, methods=["get"])
    def track(self, request: Request, id: str | None = None) -> Response:
        """The agent's points in [since, until), in device-time order, optionally simplified
        for a map; ``include_filtered`` adds filtered points with their reason (the audit)."""
        member = self.get_object()
        query = TrackInput(data=request.query_params, context={"tenant": request.tenant})
        query.is_valid(raise_exception=True)
        q = query.validated_data
        return Response(
            selectors.track(
                tenant_id=request.tenant.pk,
                agent_id=member.user_id,
                since=q["since"],
                until=q["until"],
                tolerance_m=q.get("simplify"),
                include_filtered=q["include_filtered"],
            )
        )

    @extend_schema(parameters=[DistanceInput], responses={200: DistanceDayOutput(many=True)})
    @action(detail=True, methods=["get"])
    def distance(self, request: Request, id: str | None = None) -> Response:
        """Distance travelled per organization-local day (start..end, at most 31 days; the last
        30 by default), over accepted points."""
        member = self.get_object()
        query = DistanceInput(data=request.query_params, context={"tenant": request.tenant})
        query.is_valid(raise_exception=True)
        q = query.validated_data
        return Response(
            selectors.daily_distance(tenant=request.tenant, agent_id=member.user_id, first=q["start"], last=q["end"])
        )


class FieldSettingsView(APIView):
    capabilities = {"get": "tenant.view", "patch": "tenant.manage"}

    @extend_schema(responses={200: FieldSettingsOutput}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(FieldSettingsOutput(rules.field_settings([request.tenant.pk])[request.tenant.pk]).data)

    @extend_schema(request=FieldSettingsInput, responses={200: FieldSettingsOutput}, tags=TAGS)
    def patch(self, request: Request) -> Response:
        """Check-in radius, breadcrumb filters, presence thresholds and the live interval."""
        data = FieldSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            FieldSettingsOutput(services.settings_update(tenant=request.tenant, **data.validated_data)).data
        )
