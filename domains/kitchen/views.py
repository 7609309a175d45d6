"""REST endpoints of the kitchen. Writes go through ``services``, reads through ``selectors``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import filters
from core.idempotency import idempotency_key, idempotency_parameter
from core.serializers import ProductSeriesOutput
from core.views.charts import ChartView
from core.viewsets import TenantScopedViewSet
from domains.kitchen import selectors, services, tasks
from domains.kitchen.models import Meal, Serving
from domains.kitchen.serializers import (
    ConsumptionRangeInput,
    MealCreateInput,
    MealOutput,
    MealUpdateInput,
    PortionsOutput,
    ReportOutput,
    ReportQueuedOutput,
    ReportRequestInput,
    ServeInput,
    ServingOutput,
    ServingsSeriesInput,
    ServingsSeriesOutput,
    SettingsInput,
    SettingsOutput,
)

TAGS = ["kitchen"]
IDEMPOTENCY_KEY = idempotency_parameter(
    "A retried request with the same key serves once and answers 200 with the first serving; "
    "the same key for a different meal or portions is 409."
)


def meals_output(meals: list[Meal]) -> list[dict[str, Any]]:
    portions = selectors.portions_for_meals([m.pk for m in meals])
    return MealOutput(meals, many=True, context={"portions": portions}).data


def servings_output(servings: list[Serving]) -> list[dict[str, Any]]:
    deductions = selectors.serving_deductions([s.pk for s in servings])
    return ServingOutput(servings, many=True, context={"deductions": deductions}).data


@extend_schema(tags=TAGS)
class MealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Meals with their recipes and the portions current stock allows. Deleting is a soft delete."""

    serializer_class = MealOutput
    search_fields = ["name"]
    ordering_fields = ["id", "name"]
    capabilities = {
        "list": "kitchen.view",
        "retrieve": "kitchen.view",
        "create": "kitchen.manage",
        "partial_update": "kitchen.manage",
        "destroy": "kitchen.manage",
        "serve": "kitchen.serve",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        if self.action == "serve":  # the service reads the recipe itself, under its own rules
            return selectors.meals(tenant=self.request.tenant)
        return selectors.meal_list(tenant=self.request.tenant)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(meals_output(page))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(meals_output([self.get_object()])[0])

    def _meal(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(meals_output([self.get_queryset().get(pk=pk)])[0], status=code)

    @extend_schema(request=MealCreateInput, responses={201: MealOutput})
    def create(self, request: Request) -> Response:
        data = MealCreateInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        meal = services.meal_create(tenant=request.tenant, actor=request.user, **data.validated_data)
        return self._meal(meal.pk, status.HTTP_201_CREATED)

    @extend_schema(request=MealUpdateInput, responses={200: MealOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """A new recipe applies from now on; past servings keep what they deducted."""
        meal = self.get_object()
        data = MealUpdateInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        services.meal_update(meal=meal, actor=request.user, **data.validated_data)
        return self._meal(meal.pk)

    def perform_destroy(self, instance: Meal) -> None:
        services.meal_delete(meal=instance, actor=self.request.user)

    @extend_schema(
        request=ServeInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ServingOutput, 200: ServingOutput},
    )
    @action(detail=True, methods=["post"])
    def serve(self, request: Request, pk: str | None = None) -> Response:
        """Deduct every ingredient for ``portions``, all or nothing. Short stock is 409
        ``insufficient_stock`` with ``shortages``: each short product, needed and available."""
        meal = self.get_object()
        key = idempotency_key(request)
        data = ServeInput(data=request.data)
        data.is_valid(raise_exception=True)
        serving, created = services.serve(
            meal=meal, portions=data.validated_data["portions"], actor=request.user, idempotency_key=key
        )
        if not created:  # a retry: the first serving, as the log shows it
            body = servings_output([selectors.serving_list(tenant=request.tenant).get(pk=serving.pk)])[0]
            return Response(body, status=status.HTTP_200_OK)
        # What the service wrote is the answer: the serving carries its meal, cook and deductions.
        body = ServingOutput(serving, context={"deductions": {serving.pk: serving.deducted}}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ServingFilter(filters.FilterSet):
    served_by = filters.IdFilter()
    since = filters.IsoDateTimeFilter(field_name="served_at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="served_at", lookup_expr="lt")

    class Meta:
        model = Serving
        fields = ["meal", "served_by"]


@extend_schema(tags=TAGS)
class ServingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The serving log, newest first, with what each serving deducted."""

    serializer_class = ServingOutput
    filterset_class = ServingFilter
    ordering_fields = ["id", "served_at"]
    capabilities = {"list": "analytics.view", "retrieve": "analytics.view"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.serving_list(tenant=self.request.tenant)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(servings_output(page))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(servings_output([self.get_object()])[0])


class PortionsView(APIView):
    capabilities = {"get": "kitchen.view"}

    @extend_schema(responses={200: PortionsOutput(many=True)}, tags=TAGS)
    def get(self, request: Request) -> Response:
        """Portions possible of every live meal from current stock (what the cook's screen shows)."""
        return Response(selectors.portions_board(tenant=request.tenant))


class SettingsView(APIView):
    capabilities = {"get": "analytics.view", "patch": "tenant.manage"}

    @extend_schema(responses={200: SettingsOutput}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(SettingsOutput(selectors.kitchen_settings(tenant=request.tenant)).data)

    @extend_schema(request=SettingsInput, responses={200: SettingsOutput}, tags=TAGS)
    def patch(self, request: Request) -> Response:
        """The variance threshold, 1-100 % (default 15)."""
        data = SettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.settings_update(tenant=request.tenant, actor=request.user, **data.validated_data)
        return Response(SettingsOutput(found).data)


@extend_schema(tags=TAGS)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Monthly variance reports: built on the 1st for the month before, or on demand."""

    serializer_class = ReportOutput
    ordering_fields = ["month"]
    filterset_fields = ["month", "complete"]
    capabilities = {"list": "analytics.view", "retrieve": "analytics.view", "create": "kitchen.manage"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.report_list(tenant=self.request.tenant)

    @extend_schema(request=ReportRequestInput, responses={202: ReportQueuedOutput})
    def create(self, request: Request) -> Response:
        """Queue a (re)build of a month's report; a month still running gives month-to-date
        figures. The report appears in this list and as a ``kitchen.report_built`` event."""
        data = ReportRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        month = data.validated_data["month"]
        services.check_month_started(tenant=request.tenant, month=month)
        tasks.build_variance_report.send(request.tenant.pk, month.isoformat())
        return Response({"month": month, "status": "queued"}, status=status.HTTP_202_ACCEPTED)


@extend_schema(parameters=[ConsumptionRangeInput], responses={200: ProductSeriesOutput}, tags=["reports"])
class ConsumptionSeriesView(ChartView):
    """Quantity of each ingredient servings consumed, per organization-local day."""

    params = ConsumptionRangeInput
    output = ProductSeriesOutput

    def series(self, **kwargs):  # type: ignore[no-untyped-def]
        return selectors.consumption_series(**kwargs)


@extend_schema(parameters=[ServingsSeriesInput], responses={200: ServingsSeriesOutput}, tags=["reports"])
class ServingsSeriesView(ChartView):
    """Portions served per meal per organization-local day."""

    params = ServingsSeriesInput
    output = ServingsSeriesOutput

    def series(self, **kwargs):  # type: ignore[no-untyped-def]
        return selectors.servings_series(**kwargs)
