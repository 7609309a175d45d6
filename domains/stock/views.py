"""REST endpoints of the stock ledger. Writes go through ``services``, reads through ``selectors``."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.views.charts import ChartView
from core.viewsets import TenantScopedViewSet
from domains.stock import selectors, services
from domains.stock.models import AdjustmentReason, Delivery, Movement, MovementKind, Product
from domains.stock.serializers import (
    AdjustmentInput,
    AdjustmentOutput,
    DeliveryCreateInput,
    DeliveryOutput,
    DeliveryUpdateInput,
    MovementOutput,
    ProductCreateInput,
    ProductOutput,
    ProductRangeInput,
    ProductSeriesOutput,
    ProductUpdateInput,
    ReverseInput,
    VoidInput,
)

TAGS = ["stock"]


class ProductFilter(django_filters.FilterSet):
    low = django_filters.BooleanFilter(method="filter_low", help_text="Only products below (or at/above) minimum.")
    unit = django_filters.CharFilter()
    location = django_filters.CharFilter()

    class Meta:
        model = Product
        fields = ["unit", "location"]

    def filter_low(self, queryset, name, value):  # type: ignore[no-untyped-def]
        from django.db.models import F

        below = queryset.filter(minimum__isnull=False, on_hand__lt=F("minimum"))
        return below if value else queryset.exclude(pk__in=below.values("pk"))


@extend_schema(tags=TAGS)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Products (ingredients) and their current balance. Deleting is a soft delete."""

    serializer_class = ProductOutput
    filterset_class = ProductFilter
    search_fields = ["name", "location"]
    ordering_fields = ["id", "name", "on_hand"]
    capabilities = {
        "list": "stock.view",
        "retrieve": "stock.view",
        "create": "stock.manage",
        "partial_update": "stock.manage",
        "destroy": "stock.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.product_list(tenant=self.request.tenant)

    @extend_schema(request=ProductCreateInput, responses={201: ProductOutput})
    def create(self, request: Request) -> Response:
        data = ProductCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(tenant=request.tenant, actor=request.user, **data.validated_data)
        return Response(ProductOutput(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProductUpdateInput, responses={200: ProductOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        product = self.get_object()
        data = ProductUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_update(product=product, actor=request.user, **data.validated_data)
        return Response(ProductOutput(product).data)

    def perform_destroy(self, instance: Product) -> None:
        services.product_delete(product=instance, actor=self.request.user)


class DeliveryFilter(django_filters.FilterSet):
    delivered_from = django_filters.DateFilter(field_name="delivered_on", lookup_expr="gte")
    delivered_to = django_filters.DateFilter(field_name="delivered_on", lookup_expr="lte")
    supplier = django_filters.CharFilter(lookup_expr="icontains")
    product = django_filters.NumberFilter(field_name="lines__product", distinct=True)
    voided = django_filters.BooleanFilter(field_name="voided_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Delivery
        fields = ["supplier"]


@extend_schema(tags=TAGS)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Deliveries. Lines are ledger rows: to change them, void the delivery and record it again."""

    serializer_class = DeliveryOutput
    filterset_class = DeliveryFilter
    search_fields = ["supplier", "batch_note", "note"]
    ordering_fields = ["id", "delivered_on"]
    capabilities = {
        "list": "stock.view",
        "retrieve": "stock.view",
        "create": "stock.manage",
        "partial_update": "stock.manage",
        "void": "stock.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.delivery_list(tenant=self.request.tenant)

    def _output(self, delivery: Delivery, code: int = status.HTTP_200_OK) -> Response:
        return Response(DeliveryOutput(self.get_queryset().get(pk=delivery.pk)).data, status=code)

    @extend_schema(request=DeliveryCreateInput, responses={201: DeliveryOutput})
    def create(self, request: Request) -> Response:
        data = DeliveryCreateInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        delivery = services.delivery_create(tenant=request.tenant, actor=request.user, **data.validated_data)
        return self._output(delivery, status.HTTP_201_CREATED)

    @extend_schema(request=DeliveryUpdateInput, responses={200: DeliveryOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        delivery = self.get_object()
        data = DeliveryUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._output(services.delivery_update(delivery=delivery, actor=request.user, **data.validated_data))

    @extend_schema(request=VoidInput, responses={200: DeliveryOutput})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        """Reverse every line (409 ``insufficient_stock`` if part of it was used already)."""
        delivery = self.get_object()
        data = VoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._output(services.delivery_void(delivery=delivery, actor=request.user, **data.validated_data))


class MovementFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)
    reason = django_filters.ChoiceFilter(choices=AdjustmentReason.choices)
    user = django_filters.NumberFilter(field_name="created_by")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Movement
        fields = ["product", "kind", "reason", "delivery", "source_type", "source_id"]


@extend_schema(tags=TAGS)
class MovementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The ledger: every change of every balance, newest first. Rows are never edited."""

    serializer_class = MovementOutput
    filterset_class = MovementFilter
    ordering_fields = ["id"]
    capabilities = {"list": "stock.view", "retrieve": "stock.view", "reverse": "stock.manage"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.movement_list(tenant=self.request.tenant)

    @extend_schema(request=ReverseInput, responses={201: MovementOutput})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Undo a delivery line or an adjustment with an opposite row."""
        movement = self.get_object()
        data = ReverseInput(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = services.reverse(movement=movement, actor=request.user, **data.validated_data)
        return Response(MovementOutput(self.get_queryset().get(pk=reversal.pk)).data, status=status.HTTP_201_CREATED)


class AdjustmentView(APIView):
    capabilities = {"post": "stock.manage"}

    @extend_schema(request=AdjustmentInput, responses={201: AdjustmentOutput, 200: AdjustmentOutput}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Waste, corrections, or a physical count (``counted``: the difference is recorded).
        201 with the new movement, or 200 with ``movement: null`` when a count matched."""
        data = AdjustmentInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        movement = services.adjust(actor=request.user, **data.validated_data)
        product = Product.objects.get(pk=data.validated_data["product"].pk)
        body = {
            "product": ProductOutput(product).data,
            "movement": MovementOutput(selectors.movement_list(tenant=request.tenant).get(pk=movement.pk)).data
            if movement
            else None,
        }
        return Response(body, status=status.HTTP_201_CREATED if movement else status.HTTP_200_OK)


@extend_schema(parameters=[ProductRangeInput], responses={200: ProductSeriesOutput}, tags=["reports"])
class DeliverySeriesView(ChartView):
    """Quantity delivered per product per organization-local day (net of voided deliveries)."""

    params = ProductRangeInput
    output = ProductSeriesOutput

    def series(self, **kwargs):  # type: ignore[no-untyped-def]
        return selectors.delivery_series(**kwargs)
