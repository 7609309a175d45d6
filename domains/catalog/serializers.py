"""Wire formats of the e-catalog and of agents' orders from it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.filters import BIGINT_MAX
from core.photos import PHOTO_FIELDS, PhotoInputBase, PhotoOutputBase
from core.serializers import StrictInput, TenantPrimaryKeyField
from domains.catalog.models import (
    CatalogProduct,
    FieldOrder,
    FieldOrderLine,
    Group,
    Price,
    PriceType,
    ProductImage,
    StockLevel,
    Warehouse,
)
from domains.clients.api import Reference, ReferenceKind


class CatalogGroupOutput(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "guid", "code", "name", "parent_id"]


class CatalogPriceTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = PriceType
        fields = ["id", "guid", "name", "currency"]


class CatalogWarehouseOutput(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "guid", "name"]


class CatalogProductQuery(serializers.Serializer):
    """The product list's query parameters (besides the cursor and ``page_size``)."""

    search = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Name (contains), code (prefix) or barcode (exact)."
    )
    group = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=BIGINT_MAX,
        help_text="A group id: its products and those of the groups below it.",
    )
    in_stock = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: on hand in any warehouse; false: out of stock."
    )
    client = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=BIGINT_MAX,
        help_text="Show each product's price for this client (its price type).",
    )
    price_type = TenantPrimaryKeyField(
        queryset=PriceType.objects.all(), required=False, help_text="Show prices of this price type."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "client" in attrs and "price_type" in attrs:
            raise serializers.ValidationError(
                {"price_type": [gettext("Give client or price_type, not both.")]}, code="invalid"
            )
        return attrs


class ProductImageInput(PhotoInputBase):
    """A picture of a catalog product: a JPEG, PNG, WebP or HEIC picture (judged by its content)."""

    status = TenantPrimaryKeyField(
        queryset=Reference.objects.filter(kind=ReferenceKind.IMAGE_STATUS), required=False, allow_null=True
    )
    source = TenantPrimaryKeyField(
        queryset=Reference.objects.filter(kind=ReferenceKind.IMAGE_SOURCE), required=False, allow_null=True
    )


class ProductImageOutput(PhotoOutputBase):
    """A picture of a catalog product; ``url`` downloads it (authenticated)."""

    class Meta:
        model = ProductImage
        fields = [*PHOTO_FIELDS, "product", "guid"]
        read_only_fields = fields

    def url_of(self, image: ProductImage) -> str:
        return image_url(image)


def image_url(image: ProductImage) -> str:
    """The download URL; ``v`` changes with the picture, so a cached copy is never stale."""
    return f"/api/catalog/images/{image.pk}/file/?v={image.digest[:12]}"


class CatalogProductOutput(serializers.ModelSerializer):
    group = CatalogGroupOutput(allow_null=True)
    barcodes = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()

    class Meta:
        model = CatalogProduct
        fields = [
            "id",
            "guid",
            "code",
            "name",
            "group",
            "unit",
            "in_stock",
            "barcodes",
            "images",
            "price",
            "updated_at",
        ]

    def get_barcodes(self, product: CatalogProduct) -> list[str]:
        return [b.value for b in product.barcodes.all()]

    def get_images(self, product: CatalogProduct) -> list[str]:
        """Download URLs of the product's pictures (authenticated), first the main one."""
        return [image_url(image) for image in product.images.all()]

    def get_price(self, product: CatalogProduct) -> dict[str, Any] | None:
        """The amount at the price type asked for (``client`` or ``price_type``), else null."""
        price_type = self.context.get("price_type")
        amount = getattr(product, "price_amount", None)
        if price_type is None or amount is None:
            return None
        return {"amount": f"{amount:.2f}", "currency": price_type.currency, "price_type_id": price_type.pk}


class CatalogPriceOutput(serializers.ModelSerializer):
    price_type_id = serializers.IntegerField()
    price_type = serializers.CharField(source="price_type.name")
    currency = serializers.CharField(source="price_type.currency")

    class Meta:
        model = Price
        fields = ["price_type_id", "price_type", "amount", "currency"]


class CatalogStockOutput(serializers.ModelSerializer):
    warehouse_id = serializers.IntegerField()
    warehouse = serializers.CharField(source="warehouse.name")

    class Meta:
        model = StockLevel
        fields = ["warehouse_id", "warehouse", "quantity"]


class CatalogProductDetailOutput(CatalogProductOutput):
    prices = CatalogPriceOutput(many=True)
    stock = CatalogStockOutput(many=True, source="stock_levels")

    class Meta(CatalogProductOutput.Meta):
        fields = [*CatalogProductOutput.Meta.fields, "active", "prices", "stock"]


class FieldOrderLineInput(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    quantity = serializers.DecimalField(max_digits=16, decimal_places=3, min_value=Decimal("0.001"))


class FieldOrderInput(StrictInput):
    client = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    visit = serializers.IntegerField(
        min_value=1, max_value=BIGINT_MAX, required=False, help_text="The visit it is taken at."
    )
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    lines = FieldOrderLineInput(many=True, allow_empty=False, max_length=200)

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        products = [line["product"] for line in lines]
        if len(set(products)) != len(products):
            raise serializers.ValidationError(
                gettext("Each product once: put the whole quantity on one line."), code="duplicate"
            )
        return lines


class FieldOrderLineOutput(serializers.ModelSerializer):
    product_id = serializers.IntegerField()
    product = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit")

    class Meta:
        model = FieldOrderLine
        fields = ["product_id", "product", "unit", "quantity", "price", "amount"]


class FieldOrderOutput(serializers.ModelSerializer):
    agent_id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    client = serializers.CharField(source="client.name")
    price_type_id = serializers.IntegerField()
    lines = FieldOrderLineOutput(many=True)

    class Meta:
        model = FieldOrder
        fields = [
            "id",
            "uid",
            "agent_id",
            "client_id",
            "client",
            "visit_id",
            "price_type_id",
            "currency",
            "total",
            "comment",
            "status",
            "onec_number",
            "onec_status",
            "send_attempts",
            "last_error",
            "created_at",
            "sent_at",
            "lines",
        ]
        read_only_fields = fields  # an output: no input bounds (they vary with the database)
