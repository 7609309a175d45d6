"""Meals, their recipes, servings and the monthly variance reports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.decimals import QUANTITY
from core.tenancy import SoftDeletable, TenantOwned

MAX_PORTIONS = 10_000  # one serving; a bigger number is a typo, not a kitchen


class Meal(TenantOwned, SoftDeletable):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # The last portions count announced live, and its version: only the event stream uses them
    # (REST computes portions from the balances on every read).
    portions = models.BigIntegerField(default=0)
    portions_version = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="kitchen_meal_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RecipeItem(TenantOwned):
    """How much of one product a single portion takes, in the product's unit."""

    meal = models.ForeignKey(Meal, on_delete=models.CASCADE, related_name="recipe")
    product = models.ForeignKey("stock.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meal", "product"], name="kitchen_recipe_one_line_per_product"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="kitchen_recipe_quantity_positive"),
        ]
        indexes = [models.Index(fields=["product", "meal"])]


class Serving(TenantOwned):
    """Portions of a meal served; what left stock is the ledger's movements with this source."""

    meal = models.ForeignKey(Meal, on_delete=models.PROTECT, related_name="servings")
    portions = models.PositiveIntegerField()
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    served_at = models.DateTimeField(db_index=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)

    # Not a column: what a serving just made took (stock.Taken), for its own answer.
    deducted: list[Any]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="kitchen_serving_unique_key"),
        ]
        indexes = [models.Index(fields=["tenant", "served_at"]), models.Index(fields=["tenant", "-id"])]


class KitchenSettings(models.Model):
    tenant = models.OneToOneField("core.Organization", on_delete=models.CASCADE, related_name="kitchen_settings")
    variance_threshold_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A month whose difference exceeds this percentage raises a variance alarm.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"kitchen settings of {self.tenant_id}"


class VarianceReport(TenantOwned):
    """Served vs possible portions for one organization-local month (see docs/kitchen.md)."""

    month = models.DateField(help_text="First day of the month.")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    complete = models.BooleanField(help_text="False while the month is still running.")
    served = models.BigIntegerField()
    possible = models.BigIntegerField()
    difference_pct = models.DecimalField(max_digits=7, decimal_places=2)
    threshold_pct = models.DecimalField(max_digits=5, decimal_places=2)
    meals = models.JSONField()
    ingredients = models.JSONField()
    alarm = models.ForeignKey("alarms.Alarm", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    built_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "month"], name="kitchen_one_report_per_month")]
