"""REST endpoint of an agent's day of movement, beside tracking's agents: /api/locations/agents/{id}/trips/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.filters import BIGINT_MAX
from core.models import Membership
from core.viewsets import TenantScopedViewSet
from domains.tracking.api import is_field_agent
from domains.trips import selectors
from domains.trips.serializers import AgentDayOutput, DayInput

TAGS = ["locations"]


@extend_schema(tags=TAGS)
class AgentTripsViewSet(TenantScopedViewSet):
    """An agent's trips and stops; the agent's id is their user id, as in tracking's agent list."""

    lookup_field = "user_id"
    lookup_url_kwarg = "id"
    capabilities = {"trips": "locations.view"}

    def get_tenant_queryset_model(self) -> type:
        return Membership  # the schema's model for the agent's id

    @extend_schema(parameters=[DayInput], responses={200: AgentDayOutput})
    @action(detail=True, methods=["get"])
    def trips(self, request: Request, id: str | None = None) -> Response:
        """The agent's trips and stops on a day (docs/field.md, "Trips and stops"), each stop
        with its nearest client, and the day's totals."""
        agent_id = int(id or 0)  # the route admits digits only
        if agent_id > BIGINT_MAX or not is_field_agent(tenant_id=request.tenant.pk, user_id=agent_id):
            raise NotFound()
        query = DayInput(data=request.query_params, context={"tenant": request.tenant})
        query.is_valid(raise_exception=True)
        return Response(
            selectors.day_movement(tenant=request.tenant, agent_id=agent_id, day=query.validated_data["day"])
        )
