"""Wire formats of meals, servings, portions, settings, reports and kitchen charts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.decimals import QUANTITY, quantity_field
from core.serializers import DateRangeInput, StrictInput, TenantPrimaryKeyField
from core.strict_fields import MAX_YEAR, MIN_YEAR
from domains.kitchen.models import MAX_PORTIONS, KitchenSettings, Meal, RecipeItem, Serving, VarianceReport
from domains.stock.api import Product


class RecipeLineInput(StrictInput):
    product = TenantPrimaryKeyField(queryset=Product.objects.all())
    quantity = quantity_field(help_text="Per portion, in the product's unit.")


class RecipeLineOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit")

    class Meta:
        model = RecipeItem
        fields = ["product", "product_name", "unit", "quantity"]


class MealOutput(serializers.ModelSerializer):
    recipe = RecipeLineOutput(many=True)
    portions = serializers.SerializerMethodField(help_text="Portions possible from current stock.")

    class Meta:
        model = Meal
        fields = ["id", "name", "description", "recipe", "portions", "created_at", "updated_at"]

    def get_portions(self, meal: Meal) -> int:
        return self.context["portions"].get(meal.pk, 0)


class MealCreateInput(StrictInput):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    recipe = RecipeLineInput(many=True, allow_empty=False, max_length=200)


class MealUpdateInput(StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    recipe = RecipeLineInput(many=True, allow_empty=False, max_length=200, required=False)


class PortionsOutput(serializers.Serializer):
    meal_id = serializers.IntegerField()
    name = serializers.CharField()
    portions = serializers.IntegerField()


class ServeInput(StrictInput):
    portions = serializers.IntegerField(min_value=1, max_value=MAX_PORTIONS)


class DeductionOutput(serializers.Serializer):
    """What a serving took of one product (``stock.Taken``), as the ledger recorded it."""

    movement = serializers.IntegerField(source="movement_id")
    product = serializers.IntegerField(source="product_id")
    product_name = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.CharField(help_text="Amount taken from stock (positive).")
    balance_after = serializers.DecimalField(**QUANTITY)


class ServingOutput(serializers.ModelSerializer):
    portions = serializers.IntegerField()  # explicit: the model field's range differs per database
    meal_name = serializers.CharField(source="meal.name")
    served_by_username = serializers.CharField(source="served_by.username")
    deducted = serializers.SerializerMethodField()

    class Meta:
        model = Serving
        fields = ["id", "meal", "meal_name", "portions", "served_by", "served_by_username", "served_at", "deducted"]

    def get_deducted(self, serving: Serving) -> list[dict[str, Any]]:
        return DeductionOutput(self.context["deductions"].get(serving.pk, []), many=True).data


class SettingsOutput(serializers.ModelSerializer):
    class Meta:
        model = KitchenSettings
        fields = ["variance_threshold_pct", "updated_at"]


class SettingsInput(StrictInput):
    variance_threshold_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(1), max_value=Decimal(100)
    )


class ReportOutput(serializers.ModelSerializer):
    class Meta:
        model = VarianceReport
        fields = [
            "id",
            "month",
            "period_start",
            "period_end",
            "complete",
            "served",
            "possible",
            "difference_pct",
            "threshold_pct",
            "alarm",
            "meals",
            "ingredients",
            "built_at",
        ]


class ReportRequestInput(StrictInput):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM, organization-local.")

    def validate_month(self, value: str) -> date:
        year = int(value[:4])
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise serializers.ValidationError(
                gettext("A month from %(first)s-01 to %(last)s-12.") % {"first": MIN_YEAR, "last": MAX_YEAR},
                code="out_of_range",
            )
        return date(year, int(value[5:]), 1)


class ReportQueuedOutput(serializers.Serializer):
    month = serializers.DateField()
    status = serializers.CharField()


class ServingsSeriesInput(DateRangeInput):
    meal = TenantPrimaryKeyField(queryset=Meal.all_objects.all(), required=False)


class ServingsPoint(serializers.Serializer):
    date = serializers.DateField()
    portions = serializers.IntegerField()
    servings = serializers.IntegerField()


class MealSeries(serializers.Serializer):
    meal_id = serializers.IntegerField()
    name = serializers.CharField()
    points = ServingsPoint(many=True)


class ServingsSeriesOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    series = MealSeries(many=True)


class ConsumptionRangeInput(DateRangeInput):
    """The consumption chart's range, optionally narrowed to one ingredient (a deleted one still
    has history)."""

    product = TenantPrimaryKeyField(queryset=Product.all_objects.all(), required=False)
