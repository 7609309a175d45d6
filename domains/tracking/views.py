"""REST endpoints of the breadcrumbs: batch upload, agents' live list, tracks, distances, the
tenant's field settings, tracker apps' devices, and the tracker apps' own protocols. (An agent's
trips are trips' endpoint, geofences geofencing's, under the same /api/locations/.)"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import Membership
from core.parsers import JSONParser
from core.roles import has_capability
from core.viewsets import TenantScopedViewSet
from domains.tracking import group_commit, selectors, services, settings_cache
from domains.tracking.models import Device, Source
from domains.tracking.point_format import parse_points
from domains.tracking.serializers import (
    AgentOutput,
    DeviceCreatedOutput,
    DeviceInput,
    DeviceOutput,
    DistanceDayOutput,
    DistanceInput,
    FieldSettingsInput,
    FieldSettingsOutput,
    OsmandSchema,
    OwntracksSchema,
    ReceiptOutput,
    TrackInput,
    TrackOutput,
    UploadSchema,
)
from domains.tracking.trackers import from_osmand, from_owntracks, from_traccar_json
from realtime.server.http import serving_loop

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
        return Response(FieldSettingsOutput(settings_cache.field_settings([request.tenant.pk])[request.tenant.pk]).data)

    @extend_schema(request=FieldSettingsInput, responses={200: FieldSettingsOutput}, tags=TAGS)
    def patch(self, request: Request) -> Response:
        """Check-in radius, breadcrumb filters, presence thresholds and the live interval."""
        data = FieldSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            FieldSettingsOutput(services.settings_update(tenant=request.tenant, **data.validated_data)).data
        )


@extend_schema(tags=TAGS)
class DeviceViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Tracker apps' device tokens: an agent makes and revokes their own; ``devices.manage``
    any agent's. The token is in the create answer only. Deleting revokes (the row stays)."""

    serializer_class = DeviceOutput
    filterset_fields = ["agent"]
    capabilities = {
        "list": ("locations.report", "devices.manage"),
        "create": ("locations.report", "devices.manage"),
        "destroy": ("locations.report", "devices.manage"),
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.device_list(membership=self.request.membership)

    @extend_schema(request=DeviceInput, responses={201: DeviceCreatedOutput})
    def create(self, request: Request) -> Response:
        data = DeviceInput(data=request.data)
        data.is_valid(raise_exception=True)
        agent_id = data.validated_data.get("agent", request.user.pk)
        if agent_id != request.user.pk and not has_capability(request.membership.role, "devices.manage"):
            raise PermissionDenied(gettext("Only your own devices without devices.manage."), code="permission_denied")
        device, token = services.device_create(
            tenant=request.tenant, agent_id=agent_id, name=data.validated_data["name"], actor=request.user
        )
        return Response({**DeviceOutput(device).data, "token": token}, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Device) -> None:
        services.device_revoke(device=instance)


class TrackerBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = "The server is busy; send the point again after Retry-After seconds."

    @property
    def wait(self) -> int:
        return math.ceil(group_commit.retry_after_ms() / 1000)


class _TrackerView(APIView):
    """A tracker app's endpoint: the device token authenticates, not a login. Its point joins
    the live socket's group commit in this process (one commit for many apps' requests)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def record(self, device: Device, fix: Any, source: str) -> services.Receipt:
        loop = serving_loop(self.request)

        def in_group(batch: services.Batch) -> services.Receipt:
            try:
                return group_commit.record_waiting(batch, loop)
            except group_commit.Overloaded as exc:
                raise TrackerBusy() from exc

        return services.record_tracked(device=device, fix=fix, source=source, recorder=in_group)


def _params(request: Request) -> dict[str, Any]:
    """The OsmAnd parameters: the query, and a POST form's fields over it."""
    values = {key: request.query_params.get(key) for key in request.query_params}
    if hasattr(request.data, "getlist"):
        values.update({key: request.data.get(key) for key in request.data})
    return values


class OsmandView(_TrackerView):
    """Traccar Client, OsmAnd and other apps speaking the OsmAnd protocol: one point per
    request, as a GET query or a POST form, or Traccar Client 9+'s JSON. 200 means committed."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(parameters=[OsmandSchema], responses={200: ReceiptOutput}, tags=TAGS, operation_id="osmand_get")
    def get(self, request: Request) -> Response:
        return self._record(*from_osmand(_params(request)))

    @extend_schema(
        request={"application/x-www-form-urlencoded": OsmandSchema, "application/json": dict},
        responses={200: ReceiptOutput},
        tags=TAGS,
        operation_id="osmand_post",
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, dict) and "location" in request.data and "device_id" in request.data:
            token, fix = from_traccar_json(request.data)
            return self._record(token, fix, field="device_id")
        return self._record(*from_osmand(_params(request)))

    def _record(self, token: str, fix: Any, field: str = "id") -> Response:
        device = services.device_for(token, field=field)
        return Response(self.record(device, fix, Source.OSMAND).as_dict())


def _basic_password(request: Request) -> str:
    kind, _, value = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic":
        return ""
    try:
        return base64.b64decode(value, validate=True).decode().partition(":")[2]
    except (binascii.Error, UnicodeDecodeError):
        return ""


class OwntracksView(_TrackerView):
    """OwnTracks in HTTP mode: the device token as the Basic-auth password (or ``?token=``).
    Answers ``[]`` (OwnTracks reads the answer as messages for the phone); 200 means committed."""

    parser_classes = [JSONParser]

    @extend_schema(
        request=OwntracksSchema,
        responses={200: build_array_type(build_basic_type(OpenApiTypes.OBJECT))},  # messages for the phone: none
        parameters=[OpenApiParameter("token", str, required=False, description="The device token.")],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        device = services.device_for(request.query_params.get("token") or _basic_password(request), field="token")
        fix = from_owntracks(request.data)
        if fix is not None:
            self.record(device, fix, Source.OWNTRACKS)
        return Response([])
