"""REST endpoints of geofences: territories and zones, as GeoJSON, under /api/locations/geofences/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.viewsets import TenantScopedViewSet
from domains.geofencing import selectors, services
from domains.geofencing.models import Geofence
from domains.geofencing.serializers import GeofenceInput, GeofenceOutput
from domains.tracking.api import reporting_agents

TAGS = ["locations"]


@extend_schema(tags=TAGS)
class GeofenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Territories and zones, as GeoJSON: each new fix is judged against them (geofence.entered,
    geofence.exited, geofence.dwell), and an agent outside their territories in working hours
    raises alarm.outside_territory. Deleting is soft."""

    serializer_class = GeofenceOutput
    filterset_fields = ["kind"]
    capabilities = {
        "list": "locations.view",
        "retrieve": "locations.view",
        "create": "geofences.manage",
        "update": "geofences.manage",
        "destroy": "geofences.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.geofence_list(tenant=self.request.tenant)

    def _save(self, request: Request, fence: Geofence) -> Geofence:
        tenant = request.tenant
        data = GeofenceInput(
            data=request.data,
            context={"agents": lambda ids: reporting_agents(tenant_id=tenant.pk, user_ids=ids)},
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        agents = values.pop("agents")
        for name, value in values.items():
            setattr(fence, name, value)
        fence.everyone = agents is None
        return services.geofence_save(geofence=fence, agents=agents or [])

    @extend_schema(request=GeofenceInput, responses={201: GeofenceOutput})
    def create(self, request: Request) -> Response:
        fence = self._save(request, Geofence(tenant=request.tenant))
        return Response(GeofenceOutput(self.get_queryset().get(pk=fence.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GeofenceInput, responses={200: GeofenceOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Replace the fence (PUT: every field, as for create)."""
        fence = self._save(request, self.get_object())
        return Response(GeofenceOutput(self.get_queryset().get(pk=fence.pk)).data)

    def perform_destroy(self, instance: Geofence) -> None:
        services.geofence_delete(geofence=instance)
