"""Products, deliveries and the stock ledger.

The ledger (``Movement``) is append-only: a mistake is undone by a reversal row, never by an
edit. ``Product.on_hand`` is the running balance; it changes only together with a ledger row,
under the product's row lock, so ``on_hand`` always equals the sum of the product's movements.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

from core.decimals import MONEY, QUANTITY
from core.tenancy import SoftDeletable, TenantOwned


class Unit(models.TextChoices):
    GRAM = "g", "gram"
    MILLILITRE = "ml", "millilitre"
    PIECE = "pcs", "piece"


# The ledger's places beside central stock are shop branches. Stock names them by app label only
# (string foreign keys, ``branch_model()``), so the import arrow runs from shops to stock, never back.
BRANCH_MODEL = "shops.Branch"


class Place(Protocol):
    """A branch as the ledger sees it."""

    pk: Any
    tenant_id: int

    @property
    def is_deleted(self) -> bool: ...


def branch_model() -> type[models.Model]:
    return apps.get_model(BRANCH_MODEL)


class Category(TenantOwned, SoftDeletable):
    """A product category (groceries, drinks...), for the shelf and the sales reports."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="stock_category_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(TenantOwned, SoftDeletable):
    """An ingredient or stock item, counted in one unit.

    ``on_hand`` is the central stock (the warehouse, the kitchen's store); each shop branch keeps
    its own balance in ``BranchStock``. A product with a ``sale_price`` is for sale in the shops.
    """

    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    on_hand = models.DecimalField(**QUANTITY, default=0)
    sku = models.CharField(max_length=64, blank=True, default="", help_text="Stock-keeping unit, unique per tenant.")
    barcode = models.CharField(max_length=64, blank=True, default="", help_text="EAN/UPC, unique per tenant.")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="products")
    sale_price = models.DecimalField(**MONEY, null=True, blank=True)
    cost_price = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code of both prices.")
    minimum = models.DecimalField(**QUANTITY, null=True, blank=True, help_text="Low-stock line; none if empty.")
    location = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="stock_product_unique_live_name"
            ),
            models.UniqueConstraint(
                fields=["tenant", "sku"],
                condition=Q(deleted_at__isnull=True) & ~Q(sku=""),
                name="stock_product_unique_live_sku",
            ),
            models.UniqueConstraint(
                fields=["tenant", "barcode"],
                condition=Q(deleted_at__isnull=True) & ~Q(barcode=""),
                name="stock_product_unique_live_barcode",
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_product_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(sale_price__gte=0), name="stock_product_sale_price_not_negative"),
            models.CheckConstraint(condition=Q(cost_price__gte=0), name="stock_product_cost_price_not_negative"),
        ]
        indexes = [models.Index(fields=["tenant", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    @property
    def is_low(self) -> bool:
        return self.minimum is not None and self.on_hand < self.minimum


class Delivery(TenantOwned):
    """A supplier's delivery: a header whose lines are the ledger's delivery movements."""

    supplier = models.CharField(max_length=200, blank=True, default="")
    # Delivered straight to a shop branch; the central stock when empty.
    branch = models.ForeignKey(BRANCH_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    delivered_on = models.DateField()
    batch_note = models.CharField(max_length=200, blank=True, default="")
    note = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["tenant", "delivered_on"])]


class MovementKind(models.TextChoices):
    DELIVERY = "delivery", "delivery"
    SERVING = "serving", "consumption by serving"
    SALE = "sale", "sale"
    RETURN = "return", "customer return"
    TRANSFER = "transfer", "transfer between branches"
    ADJUSTMENT = "adjustment", "manual adjustment"
    REVERSAL = "reversal", "reversal of an earlier movement"


class AdjustmentReason(models.TextChoices):
    WASTE = "waste", "waste or spoilage"
    COUNT = "count", "physical count"
    CORRECTION = "correction", "correction of a recording error"
    OTHER = "other", "other"


class Movement(TenantOwned):
    """One immutable change of one product's balance, with the balance it left."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    # Whose balance it changed: a shop branch's, or the central stock's when empty.
    branch = models.ForeignKey(BRANCH_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    quantity = models.DecimalField(**QUANTITY, help_text="Signed: positive in, negative out.")
    balance_after = models.DecimalField(**QUANTITY)
    reason = models.CharField(max_length=12, choices=AdjustmentReason.choices, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, null=True, blank=True, related_name="lines")
    # What caused it outside the stock app: ("serving", 17), later ("sale", 4).
    source_type = models.CharField(max_length=20, blank=True, default="")
    source_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    # Set under the product's lock, so per product the time order is the balance order.
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-id"]),
            models.Index(fields=["product", "created_at", "id"]),
            models.Index(fields=["branch", "product", "id"]),
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_quantity_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="stock_movement_balance_not_negative"),
        ]


class BranchStock(TenantOwned):
    """A product's balance at one shop branch: the sum of the branch's movements of it, changed
    only together with a ledger row under this row's lock (like ``Product.on_hand``)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="branch_stock")
    branch = models.ForeignKey(BRANCH_MODEL, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.DecimalField(**QUANTITY, default=0)
    minimum = models.DecimalField(
        **QUANTITY, null=True, blank=True, help_text="Low-stock line at this branch; the product's if empty."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "product"], name="stock_branchstock_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_branchstock_on_hand_not_negative"),
        ]


class Transfer(TenantOwned):
    """Stock moved between two places (branches, or a branch and the central stock): the header
    of exactly two ledger rows, out of one place and into the other, written together."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    from_branch = models.ForeignKey(
        BRANCH_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Empty: central."
    )
    to_branch = models.ForeignKey(
        BRANCH_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Empty: central."
    )
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "-id"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_transfer_quantity_positive"),
        ]
