"""Wire formats of products, deliveries, the ledger and stock charts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from rest_framework import serializers

from core.decimals import MAX_QUANTITY, QUANTITY, currency_field, money_field, quantity_field
from core.serializers import DateRangeInput, StrictInput, TenantPrimaryKeyField
from domains.stock.models import (
    AdjustmentReason,
    Category,
    Delivery,
    Movement,
    Product,
    Transfer,
    Unit,
    branch_model,
)

# Resolved on first use, not at import: this module may load while the models are still loading
# (another domain's models import stock's door), and the branch model is shops' (by label).
BRANCHES: Any = SimpleLazyObject(lambda: branch_model().objects.all())


class ProductOutput(serializers.ModelSerializer):
    is_low = serializers.BooleanField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "unit",
            "on_hand",
            "minimum",
            "is_low",
            "location",
            "sku",
            "barcode",
            "category",
            "sale_price",
            "cost_price",
            "currency",
            "created_at",
            "updated_at",
        ]


class ProductFieldsInput(StrictInput):
    """The fields create and update share; a product with a ``sale_price`` is for sale."""

    name = serializers.CharField(max_length=200)
    minimum = quantity_field(required=False, allow_null=True, min_value=Decimal(0))
    location = serializers.CharField(max_length=100, required=False, allow_blank=True)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    barcode = serializers.RegexField(r"^[0-9A-Za-z-]*\Z", max_length=64, required=False, allow_blank=True)
    category = TenantPrimaryKeyField(queryset=Category.objects.all(), required=False, allow_null=True)
    sale_price = money_field(required=False, allow_null=True)
    cost_price = money_field(required=False, allow_null=True)
    currency = currency_field(required=False)


class ProductCreateInput(ProductFieldsInput):
    unit = serializers.ChoiceField(choices=Unit.choices)


class ProductUpdateInput(ProductFieldsInput):
    name = serializers.CharField(max_length=200, required=False)
    unit = serializers.CharField(read_only=True, help_text="Fixed once created: the ledger is counted in it.")


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "created_at"]


class CategoryInput(StrictInput):
    name = serializers.CharField(max_length=100)


class MovementOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    unit = serializers.CharField(source="product.unit", read_only=True)
    created_by_username = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = Movement
        fields = [
            "id",
            "product",
            "product_name",
            "unit",
            "branch",
            "kind",
            "quantity",
            "balance_after",
            "reason",
            "note",
            "unit_cost",
            "delivery",
            "source_type",
            "source_id",
            "reverses",
            "reversed_by",
            "created_by",
            "created_by_username",
            "created_at",
        ]

    def get_reversed_by(self, movement: Movement) -> int | None:
        reversal = getattr(movement, "reversed_by", None)
        return reversal.pk if reversal else None


class DeliveryLineInput(StrictInput):
    product = TenantPrimaryKeyField(queryset=Product.objects.all())
    quantity = quantity_field()
    unit_cost = serializers.DecimalField(
        max_digits=14, decimal_places=4, min_value=Decimal(0), required=False, allow_null=True
    )


class DeliveryLineOutput(serializers.ModelSerializer):
    movement = serializers.IntegerField(source="pk")
    product_name = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit")

    class Meta:
        model = Movement
        fields = ["movement", "product", "product_name", "unit", "quantity", "unit_cost"]


class DeliveryOutput(serializers.ModelSerializer):
    lines = DeliveryLineOutput(many=True, source="delivery_lines")
    created_by_username = serializers.CharField(source="created_by.username")
    voided = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "branch",
            "supplier",
            "delivered_on",
            "batch_note",
            "note",
            "lines",
            "created_by",
            "created_by_username",
            "created_at",
            "voided",
            "voided_at",
            "voided_by",
            "void_reason",
        ]

    def get_voided(self, delivery: Delivery) -> bool:
        return delivery.voided_at is not None


class DeliveryCreateInput(StrictInput):
    branch = TenantPrimaryKeyField(
        queryset=BRANCHES,
        required=False,
        allow_null=True,
        help_text="A shop branch; omit for central stock.",
    )
    supplier = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    delivered_on = serializers.DateField()
    batch_note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    lines = DeliveryLineInput(many=True, allow_empty=False, max_length=500)


class DeliveryUpdateInput(StrictInput):
    supplier = serializers.CharField(max_length=200, required=False, allow_blank=True)
    delivered_on = serializers.DateField(required=False)
    batch_note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    lines = serializers.ListField(read_only=True, help_text="Void the delivery and record it anew to change lines.")


class VoidInput(StrictInput):
    reason = serializers.CharField(max_length=200)


class AdjustmentInput(StrictInput):
    product = TenantPrimaryKeyField(queryset=Product.objects.all())
    branch = TenantPrimaryKeyField(
        queryset=BRANCHES,
        required=False,
        allow_null=True,
        help_text="A shop branch; omit for central stock.",
    )
    reason = serializers.ChoiceField(choices=AdjustmentReason.choices)
    quantity = serializers.DecimalField(
        **QUANTITY,
        required=False,
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Signed change: negative for waste. Give this or counted.",
    )
    counted = serializers.DecimalField(
        **QUANTITY,
        required=False,
        min_value=Decimal(0),
        max_value=MAX_QUANTITY,
        help_text="The physically counted balance; the difference is recorded. Give this or quantity.",
    )
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        quantity, counted = attrs.get("quantity"), attrs.get("counted")
        if (quantity is None) == (counted is None):
            raise serializers.ValidationError({"quantity": [gettext("Give either quantity or counted, not both.")]})
        if quantity == 0:
            raise serializers.ValidationError({"quantity": [gettext("A change of zero changes nothing.")]})
        if attrs["reason"] == AdjustmentReason.COUNT and counted is None:
            raise serializers.ValidationError({"counted": [gettext("A physical count gives the counted balance.")]})
        if attrs["reason"] == AdjustmentReason.WASTE and quantity is not None and quantity > 0:
            raise serializers.ValidationError(
                {"quantity": [gettext("Waste takes stock out: the quantity is negative.")]}
            )
        return attrs


class AdjustmentOutput(serializers.Serializer):
    product = ProductOutput()
    movement = MovementOutput(allow_null=True, help_text="None when a count matched the balance.")


class TransferInput(StrictInput):
    product = TenantPrimaryKeyField(queryset=Product.objects.all())
    quantity = quantity_field()
    from_branch = TenantPrimaryKeyField(
        queryset=BRANCHES,
        required=False,
        allow_null=True,
        default=None,
        help_text="Null or omitted: central.",
    )
    to_branch = TenantPrimaryKeyField(
        queryset=BRANCHES,
        required=False,
        allow_null=True,
        default=None,
        help_text="Null or omitted: central.",
    )
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class TransferOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name")
    movements = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = [
            "id",
            "product",
            "product_name",
            "quantity",
            "from_branch",
            "to_branch",
            "note",
            "movements",
            "created_by",
            "created_at",
        ]

    def get_movements(self, transfer: Transfer) -> list[int]:
        """The two ledger rows: out of the source, into the destination."""
        return list(
            Movement.objects.filter(source_type="transfer", source_id=transfer.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


class ReverseInput(StrictInput):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class ProductRangeInput(DateRangeInput):
    """A chart's range, optionally narrowed to one product (a deleted one still has history)."""

    product = TenantPrimaryKeyField(queryset=Product.all_objects.all(), required=False)
