"""REST endpoints of alarms."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import filters
from core.viewsets import TenantScopedViewSet
from domains.alarms import selectors, services
from domains.alarms.kinds import ALARM_KINDS
from domains.alarms.models import Alarm
from domains.alarms.serializers import AcknowledgeInput, AlarmOutput


class AlarmFilter(filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=lambda: [(k.name, k.label) for k in ALARM_KINDS.values()])
    acknowledged = django_filters.BooleanFilter(field_name="acknowledged_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Alarm
        fields = ["kind", "subject"]


@extend_schema(tags=["alarms"])
class AlarmViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Alarms of the organization, newest first."""

    serializer_class = AlarmOutput
    filterset_class = AlarmFilter
    ordering_fields = ["id", "raised_at"]
    capabilities = {"list": "alarms.view", "retrieve": "alarms.view", "acknowledge": "alarms.acknowledge"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.alarm_list(tenant=self.request.tenant)

    @extend_schema(request=AcknowledgeInput, responses={200: AlarmOutput})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Mark the alarm as seen and dealt with (409 ``already_acknowledged`` the second time)."""
        alarm = self.get_object()
        data = AcknowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = services.acknowledge(alarm=alarm, actor=request.user, **data.validated_data)
        return Response(AlarmOutput(self.get_queryset().get(pk=alarm.pk)).data)
