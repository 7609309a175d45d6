"""REST endpoints of the e-catalog (1C writes it; managers may add pictures) and of agents'
orders from it."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.files import stored_response
from core.idempotency import idempotency_key, idempotency_parameter
from core.parsers import JSONParser
from core.photos import PHOTO_TYPES
from core.schema import binary_responses
from core.viewsets import TenantScopedViewSet
from domains.catalog import selectors, services
from domains.catalog.models import ProductImage
from domains.catalog.serializers import (
    CatalogGroupOutput,
    CatalogPriceTypeOutput,
    CatalogProductDetailOutput,
    CatalogProductOutput,
    CatalogProductQuery,
    CatalogWarehouseOutput,
    FieldOrderInput,
    FieldOrderOutput,
    ProductImageInput,
    ProductImageOutput,
)

TAGS = ["catalog"]
SEE = {"list": "catalog.view", "retrieve": "catalog.view"}


@extend_schema(tags=TAGS)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Active products of the catalog, with the price for a client when one is named."""

    serializer_class = CatalogProductOutput
    ordering_fields = ["id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    capabilities = {**SEE, "images": "catalog.view", "add_image": "catalog.manage"}

    def _query(self) -> dict[str, Any]:
        if not hasattr(self, "_validated_query"):
            query = CatalogProductQuery(data=self.request.query_params.dict(), context={"tenant": self.request.tenant})
            query.is_valid(raise_exception=True)
            found = dict(query.validated_data)
            if "client" in found:
                try:
                    found["price_type"] = selectors.client_price_type(
                        membership=self.request.membership, client_id=found.pop("client")
                    )
                except LookupError:
                    raise ValidationError({"client": [gettext("No such client.")]}, code="does_not_exist") from None
            self._validated_query = found
        return self._validated_query

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return CatalogProductDetailOutput if self.action == "retrieve" else CatalogProductOutput

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            context["price_type"] = self._query().get("price_type")
        return context

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        if self.action == "retrieve":
            return selectors.product_detail(tenant=self.request.tenant)
        query = self._query()
        return selectors.product_list(
            tenant=self.request.tenant,
            search=query.get("search", ""),
            group_id=query.get("group"),
            in_stock=query.get("in_stock"),
            price_type=query.get("price_type"),
        )

    @extend_schema(parameters=[CatalogProductQuery])
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(operation_id="catalog_product_images", responses={200: ProductImageOutput(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def images(self, request: Request, pk: str | None = None) -> Response:
        """The product's pictures, the main one first (multipart POST here adds one)."""
        product = self.get_object()
        return Response(ProductImageOutput(selectors.product_images(product=product), many=True).data)

    @extend_schema(
        operation_id="catalog_product_images_add",
        request={"multipart/form-data": ProductImageInput},
        responses={201: ProductImageOutput},
    )
    @images.mapping.post
    def add_image(self, request: Request, pk: str | None = None) -> Response:
        """Upload a picture: JPEG, PNG, WebP or HEIC (judged by content), at most PHOTO_MAX_BYTES."""
        product = self.get_object()
        data = ProductImageInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upload = values.pop("file")
        image = services.image_add(
            product=product, actor=request.user, upload=upload, content_type=upload.sniffed_type, **values
        )
        return Response(ProductImageOutput(image).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class ProductImageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet
):
    """Products' pictures, each downloadable at ``file``."""

    serializer_class = ProductImageOutput
    filterset_fields = ["product"]
    capabilities = {
        "list": "catalog.view",
        "retrieve": "catalog.view",
        "file": "catalog.view",
        "destroy": "catalog.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.image_list(tenant=self.request.tenant)

    def perform_destroy(self, instance: ProductImage) -> None:
        services.image_delete(image=instance)

    @extend_schema(responses=binary_responses(PHOTO_TYPES))
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        image = self.get_object()
        return stored_response(image.file, image.content_type)


class _Dictionary(mixins.ListModelMixin, TenantScopedViewSet):
    pagination_class = None  # small lists, read whole by the catalog's filters
    capabilities = {"list": "catalog.view"}


@extend_schema(tags=TAGS)
class GroupViewSet(_Dictionary):
    """The nomenclature's group tree, flat (``parent_id`` links it)."""

    serializer_class = CatalogGroupOutput

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.group_list(tenant=self.request.tenant)


@extend_schema(tags=TAGS)
class PriceTypeViewSet(_Dictionary):
    serializer_class = CatalogPriceTypeOutput

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.price_type_list(tenant=self.request.tenant)


@extend_schema(tags=TAGS)
class WarehouseViewSet(_Dictionary):
    serializer_class = CatalogWarehouseOutput

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.warehouse_list(tenant=self.request.tenant)


@extend_schema(tags=TAGS)
class FieldOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Clients' orders agents take from the catalog; each is sent to 1C, whose number comes back.
    An agent sees their own orders; those who see all visits see every order."""

    serializer_class = FieldOrderOutput
    filterset_fields = ["status", "client_id", "visit_id"]
    capabilities = {
        "list": ("visits.view_all", "field_orders.place"),
        "retrieve": ("visits.view_all", "field_orders.place"),
        "create": "field_orders.place",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.field_order_list(membership=self.request.membership)

    @extend_schema(
        request=FieldOrderInput,
        responses={201: FieldOrderOutput, 200: FieldOrderOutput},
        parameters=[idempotency_parameter("A retry with the same key returns the first order (200).")],
    )
    def create(self, request: Request) -> Response:
        """At the client's prices, against the stock 1C last reported (409 naming what is short)."""
        data = FieldOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order, created = services.place_order(
            membership=request.membership,
            client_id=values["client"],
            visit_id=values.get("visit"),
            lines=values["lines"],
            comment=values["comment"],
            idempotency_key=idempotency_key(request),
        )
        found = self.get_queryset().get(pk=order.pk)
        return Response(FieldOrderOutput(found).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
