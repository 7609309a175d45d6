"""REST endpoints of digital orders. Writes go through ``services``, reads through ``selectors``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core import filters
from core.idempotency import idempotency_key, idempotency_parameter
from core.permissions import PUBLIC
from core.viewsets import TenantScopedViewSet
from domains.orders import access, selectors, services
from domains.orders.models import DigitalProduct, Order, OrderStatus, Package, Provider
from domains.orders.serializers import (
    AttemptOutput,
    DigitalProductInput,
    DigitalProductOutput,
    OrderInput,
    OrderOutput,
    PackageInput,
    PackageOutput,
    PackageUpdateInput,
    ProviderInput,
    ProviderOutput,
    WebhookAnswer,
    WebhookInput,
)

TAGS = ["orders"]

IDEMPOTENCY_KEY = idempotency_parameter(
    "Per customer. A retried POST with the same key answers 200 with the first order; the same key "
    "with a different package, account or extra is 409 `idempotency_key_reused`."
)
# Customers browse the catalog; staff who oversee orders read it too; managers edit it.
CATALOG_CAPABILITIES = {
    "list": ("orders.place", "orders.view_all"),
    "retrieve": ("orders.place", "orders.view_all"),
    "create": "orders.manage",
    "partial_update": "orders.manage",
    "destroy": "orders.manage",
}


@extend_schema(tags=TAGS)
class ProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Fulfilment providers: where orders go, the polling policy, and their health. Secrets
    (token, webhook secret) are write-only."""

    serializer_class = ProviderOutput
    capabilities = {
        "list": "orders.manage",
        "retrieve": "orders.manage",
        "create": "tenant.manage",
        "partial_update": "tenant.manage",
        "destroy": "tenant.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.provider_list(tenant=self.request.tenant)

    @extend_schema(request=ProviderInput, responses={201: ProviderOutput})
    def create(self, request: Request) -> Response:
        data = ProviderInput(data=request.data)
        data.is_valid(raise_exception=True)
        provider = services.provider_create(tenant=request.tenant, **data.validated_data)
        return Response(ProviderOutput(provider).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProviderInput(partial=True), responses={200: ProviderOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        provider = self.get_object()
        data = ProviderInput(provider, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(ProviderOutput(services.provider_update(provider=provider, **data.validated_data)).data)

    def perform_destroy(self, instance: Provider) -> None:
        services.provider_delete(provider=instance)


@extend_schema(tags=TAGS)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """The catalog customers order from: products and their packages (prices)."""

    serializer_class = DigitalProductOutput
    search_fields = ["name", "code"]
    capabilities = CATALOG_CAPABILITIES

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.product_list(tenant=self.request.tenant)

    def _product(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(DigitalProductOutput(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(request=DigitalProductInput, responses={201: DigitalProductOutput})
    def create(self, request: Request) -> Response:
        data = DigitalProductInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        return self._product(services.product_create(tenant=request.tenant, **data.validated_data).pk, 201)

    @extend_schema(request=DigitalProductInput(partial=True), responses={200: DigitalProductOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        product = self.get_object()
        data = DigitalProductInput(data=request.data, partial=True, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        services.product_update(product=product, **data.validated_data)
        return self._product(product.pk)

    def perform_destroy(self, instance: DigitalProduct) -> None:
        services.product_delete(product=instance)


@extend_schema(tags=TAGS)
class PackageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    serializer_class = PackageOutput
    filterset_fields = ["product"]
    capabilities = CATALOG_CAPABILITIES

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.package_list(tenant=self.request.tenant)

    @extend_schema(request=PackageInput, responses={201: PackageOutput})
    def create(self, request: Request) -> Response:
        data = PackageInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        package = services.package_create(tenant=request.tenant, **data.validated_data)
        return Response(PackageOutput(package).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PackageUpdateInput(partial=True), responses={200: PackageOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Price changes apply to new orders; placed orders keep the price they were placed at."""
        package = self.get_object()
        data = PackageUpdateInput(data=request.data, partial=True, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        return Response(PackageOutput(services.package_update(package=package, **data.validated_data)).data)

    def perform_destroy(self, instance: Package) -> None:
        services.package_delete(package=instance)


MAX_STUCK_MINUTES = 366 * 24 * 60


class OrderFilter(filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    since = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    reference = django_filters.CharFilter(field_name="provider_reference")
    stuck_minutes = filters.IntegerFilter(
        method="filter_stuck",
        min_value=1,
        max_value=MAX_STUCK_MINUTES,
        label="Pending orders created more than this many minutes ago (at most a year).",
    )

    class Meta:
        model = Order
        fields = ["status", "provider", "product", "customer"]

    def filter_stuck(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return selectors.stuck(queryset, minutes=int(value))


@extend_schema(tags=TAGS)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Digital orders. Customers see their own; staff with ``orders.view_all`` see everyone's.
    The PIN shows only to the order's customer and to ``orders.view_pins``."""

    serializer_class = OrderOutput
    filterset_class = OrderFilter
    ordering_fields = ["id", "created_at"]
    capabilities = {
        "list": ("orders.view_own", "orders.view_all"),
        "retrieve": ("orders.view_own", "orders.view_all"),
        "create": "orders.place",
        "timeline": "orders.view_all",
        "retry": "orders.manage",
        "cancel": "orders.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.order_list(tenant=self.request.tenant, membership=self.request.membership)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        membership = getattr(self.request, "membership", None)
        if membership is not None:
            context["pin_visible"] = selectors.pin_visibility(membership)
        return context

    def _order(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=order.pk)
        return Response(OrderOutput(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=OrderInput, parameters=[IDEMPOTENCY_KEY], responses={201: OrderOutput, 200: OrderOutput})
    def create(self, request: Request) -> Response:
        """Place an order; it is dispatched to the provider right after it is stored. Watch it live
        on the ``orders`` topic (``order.status_changed``, then ``order.pin_ready``)."""
        key = idempotency_key(request)
        data = OrderInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order, created = services.order_place(
            tenant=request.tenant,
            actor=request.user,
            customer=access.customer_for(request.membership, request.user, values.get("customer")),
            package=values["package"],
            account=values["account"],
            extra=values["extra"],
            idempotency_key=key,
        )
        return self._order(order, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: AttemptOutput(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """Every dispatch, status check, webhook and operator action on the order, oldest first,
        with its latency, the endpoint used (primary or failover) and the provider's answer."""
        return Response(AttemptOutput(selectors.timeline(self.get_object()), many=True).data)

    @extend_schema(request=None, responses={200: OrderOutput})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Retry a failed order with a fresh deadline (409 ``order_not_retryable`` otherwise)."""
        return self._order(services.retry(order=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses={200: OrderOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an order not yet taken by the provider (409 ``order_not_cancellable`` otherwise)."""
        return self._order(services.cancel(order=self.get_object(), actor=request.user))


class WebhookView(GenericAPIView):
    """A provider's signed notification about an order (docs/orders.md)."""

    capabilities = {"post": PUBLIC}
    authentication_classes: list = []
    throttle_classes: list = []
    serializer_class = WebhookInput

    def get_authenticate_header(self, request: Request) -> str:
        # Without it DRF turns a failed signature check into 403; it is a 401 like any bad credential.
        return 'Signature realm="oqim-webhooks", header="X-Oqim-Signature"'

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "X-Oqim-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="`t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.' + raw body with the webhook secret>`.",
            )
        ],
        responses={200: WebhookAnswer},
    )
    def post(self, request: Request, public_id: str) -> Response:
        """A status update pushed by the provider. 401 ``invalid_signature`` or ``stale_signature``
        when the signature does not check out; 404 for an unknown address or order; a repeated
        notification answers ``duplicate: true``."""
        provider = selectors.webhook_provider(public_id)
        if provider is None:
            raise NotFound(gettext("No provider with a webhook at this address."), code="not_found")
        body = request.body
        order = services.webhook_receive(
            provider=provider, signature=request.headers.get("X-Oqim-Signature", ""), body=body
        )
        if order is None:
            return Response({"order_id": None, "duplicate": True})
        return Response({"order_id": order.pk, "duplicate": False})
