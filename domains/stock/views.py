"""REST endpoints of the stock ledger. Writes go through ``services``, reads through ``selectors``."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import filters
from core.serializers import ProductSeriesOutput
from core.views.charts import ChartView
from core.viewsets import TenantScopedViewSet
from domains.stock import selectors, services
from domains.stock.models import AdjustmentReason, Category, Delivery, Movement, MovementKind, Product
from domains.stock.serializers import (
    AdjustmentInput,
    AdjustmentOutput,
    CategoryInput,
    CategoryOutput,
    DeliveryCreateInput,
    DeliveryOutput,
    DeliveryUpdateInput,
    MovementOutput,
    ProductCreateInput,
    ProductOutput,
    ProductRangeInput,
    ProductUpdateInput,
    ReverseInput,
    TransferInput,
    TransferOutput,
    VoidInput,
)

TAGS = ["stock"]


class ProductFilter(filters.FilterSet):
    low = django_filters.BooleanFilter(method="filter_low", help_text="Only products below (or at/above) minimum.")
    unit = django_filters.CharFilter()
    location = django_filters.CharFilter()
    sku = django_filters.CharFilter(lookup_expr="iexact")
    barcode = django_filters.CharFilter()
    for_sale = django_filters.BooleanFilter(
        field_name="sale_price", lookup_expr="isnull", exclude=True, help_text="Only products with a sale price."
    )

    class Meta:
        model = Product
        fields = ["unit", "location", "category", "currency"]

    def filter_low(self, queryset, name, value):  # type: ignore[no-untyped-def]
        from django.db.models import F

        below = queryset.filter(minimum__isnull=False, on_hand__lt=F("minimum"))
        return below if value else queryset.exclude(pk__in=below.values("pk"))


@extend_schema(tags=TAGS)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Products (ingredients) and their current balance. Deleting is a soft delete."""

    serializer_class = ProductOutput
    filterset_class = ProductFilter
    search_fields = ["name", "location", "sku", "barcode"]
    ordering_fields = ["id", "name", "on_hand", "sku", "sale_price"]
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
        data = ProductCreateInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        product = services.product_create(tenant=request.tenant, actor=request.user, **data.validated_data)
        return Response(ProductOutput(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProductUpdateInput, responses={200: ProductOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        product = self.get_object()
        data = ProductUpdateInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        product = services.product_update(product=product, actor=request.user, **data.validated_data)
        return Response(ProductOutput(product).data)

    def perform_destroy(self, instance: Product) -> None:
        services.product_delete(product=instance, actor=self.request.user)


class DeliveryFilter(filters.FilterSet):
    delivered_from = filters.DateFilter(field_name="delivered_on", lookup_expr="gte")
    delivered_to = filters.DateFilter(field_name="delivered_on", lookup_expr="lte")
    supplier = django_filters.CharFilter(lookup_expr="icontains")
    product = filters.IdFilter(field_name="lines__product", distinct=True)
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


class MovementFilter(filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)
    reason = django_filters.ChoiceFilter(choices=AdjustmentReason.choices)
    user = filters.IdFilter(field_name="created_by")
    since = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    central = django_filters.BooleanFilter(
        field_name="branch", lookup_expr="isnull", help_text="true: central stock only; false: branches only."
    )

    class Meta:
        model = Movement
        fields = ["product", "branch", "kind", "reason", "delivery", "source_type", "source_id"]


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


@extend_schema(tags=TAGS)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Product categories (for the shelf and the sales reports). Deleting is a soft delete;
    its products keep it until edited."""

    serializer_class = CategoryOutput
    search_fields = ["name"]
    ordering_fields = ["id", "name"]
    capabilities = {
        "list": ("stock.view", "sales.view"),
        "retrieve": ("stock.view", "sales.view"),
        "create": "stock.manage",
        "partial_update": "stock.manage",
        "destroy": "stock.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.category_list(tenant=self.request.tenant)

    @extend_schema(request=CategoryInput, responses={201: CategoryOutput})
    def create(self, request: Request) -> Response:
        data = CategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.category_create(tenant=request.tenant, **data.validated_data)
        return Response(CategoryOutput(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CategoryInput, responses={200: CategoryOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        category = self.get_object()
        data = CategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CategoryOutput(services.category_rename(category=category, **data.validated_data)).data)

    def perform_destroy(self, instance: Category) -> None:
        services.category_delete(category=instance)


@extend_schema(tags=TAGS)
class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Stock moved between branches or between a branch and the central stock: each is two
    ledger rows written together, out of one place and into the other."""

    serializer_class = TransferOutput
    filterset_fields = ["product", "from_branch", "to_branch"]
    ordering_fields = ["id"]
    capabilities = {"list": "stock.view", "retrieve": "stock.view", "create": "stock.manage"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.transfer_list(tenant=self.request.tenant)

    @extend_schema(request=TransferInput, responses={201: TransferOutput})
    def create(self, request: Request) -> Response:
        """409 ``insufficient_stock`` when the source has too little; nothing moves then."""
        data = TransferInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        record = services.transfer(tenant=request.tenant, actor=request.user, **data.validated_data)
        return Response(TransferOutput(record).data, status=status.HTTP_201_CREATED)


class AdjustmentView(APIView):
    capabilities = {"post": "stock.manage"}

    @extend_schema(request=AdjustmentInput, responses={201: AdjustmentOutput, 200: AdjustmentOutput}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Waste, corrections, or a physical count (``counted``: the difference is recorded).
        201 with the new movement, or 200 with ``movement: null`` when a count matched."""
        data = AdjustmentInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        movement = services.adjust(actor=request.user, **data.validated_data)
        product = selectors.product_list(tenant=request.tenant).get(pk=data.validated_data["product"].pk)
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
