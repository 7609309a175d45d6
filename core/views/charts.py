"""The shape every dashboard chart endpoint shares: a validated day range, one series per row."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.auth import TenantRequest
from core.models import Organization
from core.serializers import DateRangeInput


class ChartView(APIView):
    """Subclasses set ``params`` (a ``DateRangeInput`` whose extra fields are optional row filters,
    passed to ``series`` as ``<name>_id``), ``output``, and implement ``series``."""

    capabilities = {"get": "analytics.view"}
    params: type[DateRangeInput]
    output: type[serializers.Serializer]

    def series(self, *, tenant: Organization, start: Any, end: Any, **filters: int | None) -> list[dict[str, Any]]:
        raise NotImplementedError(f"{type(self).__name__} must define series()")  # each chart's own query

    def get(self, request: TenantRequest) -> Response:
        # (no docstring: the subclass's docstring describes the chart in the schema)
        params = self.params(data=request.query_params, context={"tenant": request.tenant})
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        start, end = data.pop("start"), data.pop("end")
        filters = {f"{name}_id": row.pk if row else None for name, row in data.items()}
        series = self.series(tenant=request.tenant, start=start, end=end, **filters)
        return Response(self.output({"start": start, "end": end, "series": series}).data)
