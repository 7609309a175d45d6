"""Products, deliveries and the stock ledger.

The ledger (``Movement``) is append-only: a mistake is undone by a reversal row, never by an
edit. ``Product.on_hand`` is the running balance; it changes only together with a ledger row,
under the product's row lock, so ``on_hand`` always equals the sum of the product's movements.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import SoftDeletable, TenantOwned

QUANTITY = {"max_digits": 14, "decimal_places": 3}


class Unit(models.TextChoices):
    GRAM = "g", "gram"
    MILLILITRE = "ml", "millilitre"
    PIECE = "pcs", "piece"


class Product(TenantOwned, SoftDeletable):
    """An ingredient or stock item, counted in one unit."""

    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    on_hand = models.DecimalField(**QUANTITY, default=0)
    minimum = models.DecimalField(**QUANTITY, null=True, blank=True, help_text="Low-stock line; none if empty.")
    location = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="stock_product_unique_live_name"
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_product_on_hand_not_negative"),
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
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_quantity_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="stock_movement_balance_not_negative"),
        ]
