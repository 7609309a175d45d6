"""Wire formats of stores, branches, staff, sales, returns, expenses and reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from rest_framework import serializers

from core.decimals import MONEY, QUANTITY, currency_field, money_field, quantity_field
from core.models import User
from core.serializers import DateRangeInput, StrictInput, TenantPrimaryKeyField, look_up_together
from domains.shops.models import (
    Branch,
    BranchRole,
    BranchStaff,
    Expense,
    ExpenseCategory,
    ExpenseRevision,
    PaymentMethod,
    Sale,
    SaleLine,
    SaleReturn,
    SaleReturnLine,
    Store,
)
from domains.stock.api import Product

# Receipts and invoices as they come from phones and scanners.
ATTACHMENT_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic"}
# What a download can answer: one of those, or octet-stream for a name without a known type.
DOWNLOAD_TYPES = {*ATTACHMENT_TYPES, "application/octet-stream"}


class StoreOutput(serializers.ModelSerializer):
    branch_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Store
        fields = ["id", "name", "address", "phone", "branch_count", "created_at", "updated_at"]


class StoreInput(StrictInput):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class StoreUpdateInput(StoreInput):
    name = serializers.CharField(max_length=200, required=False)


class BranchOutput(serializers.ModelSerializer):
    store_name = serializers.CharField(source="store.name", read_only=True)

    class Meta:
        model = Branch
        fields = ["id", "store", "store_name", "name", "address", "phone", "created_at", "updated_at"]


class BranchInput(StrictInput):
    store = TenantPrimaryKeyField(queryset=Store.objects.all())
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class BranchUpdateInput(StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class StaffOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id")
    username = serializers.CharField(source="user.username")

    class Meta:
        model = BranchStaff
        fields = ["user_id", "username", "role", "assigned_at"]


class MemberUserField(serializers.PrimaryKeyRelatedField):
    """A user with a live membership of the caller's organization; anyone else fails like a
    missing id, so user ids of other organizations are not revealed."""

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return User.objects.filter(
            memberships__tenant=self.context["tenant"], memberships__deleted_at__isnull=True
        ).distinct()


class StaffInput(StrictInput):
    user = MemberUserField(queryset=User.objects.all(), help_text="A staff member's user id.")
    role = serializers.ChoiceField(choices=BranchRole.choices)


class BranchStockOutput(serializers.Serializer):
    """A product's balance at a branch, with the low-stock line that applies there."""

    branch = serializers.IntegerField(source="branch_id")
    product = serializers.IntegerField(source="product_id")
    product_name = serializers.CharField()
    sku = serializers.CharField()
    barcode = serializers.CharField()
    unit = serializers.CharField()
    sale_price = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="What the till charges for one unit; empty: not for sale."
    )
    currency = serializers.CharField()
    on_hand = serializers.DecimalField(**QUANTITY)
    minimum = serializers.DecimalField(
        **QUANTITY, allow_null=True, help_text="Low-stock line at this branch; the product's if empty."
    )
    effective_minimum = serializers.DecimalField(**QUANTITY, allow_null=True)
    is_low = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_is_low(self, row: dict[str, Any]) -> bool:
        return row["effective_minimum"] is not None and row["on_hand"] < row["effective_minimum"]


class BranchMinimumInput(StrictInput):
    product = TenantPrimaryKeyField(queryset=Product.objects.all())
    minimum = quantity_field(allow_null=True, min_value=Decimal(0), help_text="Null: use the product's minimum.")


# Sales


class SaleLineInput(StrictInput):
    product = TenantPrimaryKeyField(queryset=Product.all_objects.all())
    quantity = quantity_field()
    unit_price = money_field(required=False, help_text="The product's sale price when omitted.")
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False, default=Decimal(0)
    )


class SaleInput(StrictInput):
    branch = TenantPrimaryKeyField(queryset=Branch.objects.all())

    def to_internal_value(self, data: Any) -> Any:
        lines = data.get("lines") if isinstance(data, dict) else None
        if isinstance(lines, list):  # every line's product in one query
            lines = lines[: self.fields["lines"].max_length]
            products = [line.get("product") for line in lines if isinstance(line, dict)]
            look_up_together(self.context, Product.all_objects.all(), products)
        return super().to_internal_value(data)

    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    lines = SaleLineInput(many=True, allow_empty=False, max_length=200)
    customer_name = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text="Required for a sale on credit."
    )
    customer_phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class SaleLineOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name")

    class Meta:
        model = SaleLine
        fields = [
            "id",
            "product",
            "product_name",
            "quantity",
            "unit_price",
            "discount_percent",
            "total",
            "unit_cost",
            "cost_total",
            "returned_quantity",
        ]


class ReturnLineOutput(serializers.ModelSerializer):
    class Meta:
        model = SaleReturnLine
        fields = ["sale_line", "quantity", "refund", "cost"]


class ReturnOutput(serializers.ModelSerializer):
    lines = ReturnLineOutput(many=True)

    class Meta:
        model = SaleReturn
        fields = [
            "id",
            "sale",
            "branch",
            "reason",
            "refund_total",
            "cost_total",
            "refund_method",
            "business_day",
            "created_by",
            "created_at",
            "lines",
        ]


class SaleOutput(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name")
    cashier_username = serializers.CharField(source="cashier.username")
    cashier_name = serializers.CharField(
        source="cashier.display_name", read_only=True, help_text="The cashier's full name, or their username."
    )
    lines = SaleLineOutput(many=True)
    returns = ReturnOutput(many=True)

    class Meta:
        model = Sale
        fields = [
            "id",
            "branch",
            "branch_name",
            "cashier",
            "cashier_username",
            "cashier_name",
            "payment_method",
            "currency",
            "subtotal",
            "discount_total",
            "total",
            "cost_total",
            "refunded_total",
            "customer_name",
            "customer_phone",
            "note",
            "business_day",
            "created_at",
            "lines",
            "returns",
        ]


class ReturnLineInput(StrictInput):
    sale_line = serializers.IntegerField(min_value=1)
    quantity = quantity_field()


class ReturnInput(StrictInput):
    lines = ReturnLineInput(
        many=True, required=False, allow_empty=False, max_length=200, help_text="Omit to return everything left."
    )
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


# Expenses


class ExpenseCategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = ExpenseCategory
        fields = ["id", "name", "created_at"]


class ExpenseCategoryInput(StrictInput):
    name = serializers.CharField(max_length=100)


def validate_attachment(upload: UploadedFile) -> UploadedFile:
    limit = settings.EXPENSE_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise serializers.ValidationError(
            gettext("At most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}, code="too_large"
        )
    if upload.content_type not in ATTACHMENT_TYPES:
        raise serializers.ValidationError(
            gettext("A receipt is one of %(types)s, not %(type)s.")
            % {"types": ", ".join(sorted(ATTACHMENT_TYPES)), "type": upload.content_type},
            code="invalid_type",
        )
    return upload


class ExpenseInput(StrictInput):
    branch = TenantPrimaryKeyField(queryset=Branch.objects.all())
    category = TenantPrimaryKeyField(queryset=ExpenseCategory.objects.all())
    amount = money_field(min_value=Decimal("0.01"))
    currency = currency_field()
    spent_on = serializers.DateField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    attachment = serializers.FileField(required=False, validators=[validate_attachment])


class ExpenseUpdateInput(ExpenseInput):
    branch = TenantPrimaryKeyField(queryset=Branch.objects.all(), required=False)
    category = TenantPrimaryKeyField(queryset=ExpenseCategory.objects.all(), required=False)
    amount = money_field(min_value=Decimal("0.01"), required=False)
    currency = currency_field(required=False)
    spent_on = serializers.DateField(required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ExpenseOutput(serializers.ModelSerializer):
    # Declared: the model field's range (and so the schema) would differ between SQLite and PostgreSQL.
    version = serializers.IntegerField(read_only=True)
    category_name = serializers.CharField(source="category.name")
    branch_name = serializers.CharField(source="branch.name")
    attachment = serializers.SerializerMethodField()

    class Meta:
        model = Expense
        fields = [
            "id",
            "branch",
            "branch_name",
            "category",
            "category_name",
            "amount",
            "currency",
            "spent_on",
            "note",
            "attachment",
            "version",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_attachment(self, expense: Expense) -> str | None:
        """Where to download the receipt (authenticated), or null without one."""
        return f"/api/shops/expenses/{expense.pk}/attachment/" if expense.attachment else None


class RevisionOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)
    changed_by_username = serializers.CharField(source="changed_by.username")

    class Meta:
        model = ExpenseRevision
        fields = ["version", "action", "changes", "changed_by", "changed_by_username", "changed_at"]


# Reports


class ReportInput(DateRangeInput):
    branch = TenantPrimaryKeyField(queryset=Branch.all_objects.all(), required=False)


class TopProductsInput(ReportInput):
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False, default=10)


class LowStockInput(StrictInput):
    branch = TenantPrimaryKeyField(queryset=Branch.objects.all(), required=False)


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2)


class FiguresOutput(serializers.Serializer):
    currency = serializers.CharField()
    revenue = _money()
    cost = _money()
    gross_margin = _money()
    discount = _money()
    margin_percent = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)


class DayFiguresOutput(FiguresOutput):
    day = serializers.DateField()
    branch_id = serializers.IntegerField()
    expenses = _money()


class CategoryFiguresOutput(FiguresOutput):
    category_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class ExpenseCategoryFiguresOutput(serializers.Serializer):
    category_id = serializers.IntegerField()
    name = serializers.CharField()
    currency = serializers.CharField()
    amount = _money()


class TotalsOutput(FiguresOutput):
    expenses = _money()
    net = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Gross margin less expenses.")


class SummaryOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = DayFiguresOutput(many=True)
    categories = CategoryFiguresOutput(many=True)
    expense_categories = ExpenseCategoryFiguresOutput(many=True)
    totals = TotalsOutput(many=True)


class TopProductOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    sku = serializers.CharField()
    unit = serializers.CharField()
    currency = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)
    revenue = _money()
    cost = _money()
    gross_margin = _money()
    margin_percent = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)


class TopProductsOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    products = TopProductOutput(many=True)
