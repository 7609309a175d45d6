"""REST endpoints of webhooks: admins register endpoints, read the delivery log and replay."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import filters
from core.viewsets import TenantScopedViewSet
from domains.webhooks import selectors, services
from domains.webhooks.models import Delivery, DeliveryState, Endpoint
from domains.webhooks.serializers import (
    EndpointCreatedOutput,
    EndpointInput,
    EndpointOutput,
    EndpointPatch,
    EventTypeOutput,
    ReplayedOutput,
    ReplayRangeInput,
    SecretOutput,
    WebhookDeliveryOutput,
)

TAGS = ["webhooks"]


@extend_schema(tags=TAGS)
class EndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Receivers of the organization's events, signed as Standard Webhooks (docs/webhooks.md).
    Deleting is soft: the delivery log stays."""

    serializer_class = EndpointOutput
    capabilities = {
        action: "webhooks.manage"
        for action in ("list", "retrieve", "create", "partial_update", "destroy", "rotate_secret", "replay")
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.endpoint_list(tenant=self.request.tenant)

    @extend_schema(request=EndpointInput, responses={201: EndpointCreatedOutput})
    def create(self, request: Request) -> Response:
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "state"}
        endpoint, secret = services.endpoint_create(tenant=request.tenant, actor=request.user, **values)
        if data.validated_data.get("state"):
            endpoint = services.endpoint_update(endpoint=endpoint, state=data.validated_data["state"])
        return Response({**EndpointOutput(endpoint).data, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndpointPatch, responses={200: EndpointOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        data = EndpointPatch(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(EndpointOutput(services.endpoint_update(endpoint=endpoint, **data.validated_data)).data)

    def perform_destroy(self, instance: Endpoint) -> None:
        services.endpoint_delete(endpoint=instance)

    @extend_schema(request=None, responses={200: SecretOutput})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new signing secret, shown once; the old one stops signing at once."""
        return Response({"secret": services.rotate_secret(endpoint=self.get_object())})

    @extend_schema(request=ReplayRangeInput, responses={202: ReplayedOutput})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """Send again, in order, every event this endpoint was sent with an event time in
        [since, until): receivers deduplicate by ``webhook-id``."""
        endpoint = self.get_object()
        data = ReplayRangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        queued = services.replay_range(endpoint=endpoint, **data.validated_data)
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)


class DeliveryFilter(filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=DeliveryState.choices)

    class Meta:
        model = Delivery
        fields = ["endpoint", "state"]


@extend_schema(tags=TAGS)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The delivery log, newest first: every delivery with each attempt's status, latency and
    the answer's first characters."""

    serializer_class = WebhookDeliveryOutput
    filterset_class = DeliveryFilter
    capabilities = {"list": "webhooks.manage", "retrieve": "webhooks.manage", "replay": "webhooks.manage"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.delivery_log(tenant=self.request.tenant)

    @extend_schema(request=None, responses={202: WebhookDeliveryOutput})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """This delivery's event again, at the end of its endpoint's line."""
        again = services.replay_delivery(delivery=self.get_object())
        return Response(
            WebhookDeliveryOutput(self.get_queryset().get(pk=again.pk)).data, status=status.HTTP_202_ACCEPTED
        )


class EventTypeView(APIView):
    """The event catalogue an endpoint subscribes from (as docs/asyncapi.yaml describes it)."""

    capabilities = {"get": "webhooks.manage"}

    @extend_schema(responses={200: EventTypeOutput(many=True)}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(EventTypeOutput(selectors.event_types(), many=True).data)
