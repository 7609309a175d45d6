"""REST side of the realtime layer: socket tickets, the tenant's status, Prometheus metrics."""

from __future__ import annotations

import hmac
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.auth import TenantRequest
from realtime import identity, selectors
from realtime.metrics import prometheus_text
from realtime.serializers import RealtimeStatusOutput, TicketOutput
from workers.status import worker_status


class TicketView(APIView):
    """A single-use ticket to open `/ws/?ticket=...` without putting a token in a URL."""

    capabilities = {"post": "realtime.connect"}

    @extend_schema(request=None, responses={201: TicketOutput}, tags=["realtime"])
    def post(self, request: Request) -> Response:
        ticket, ttl = identity.ticket_issue(raw_access_token=cast(bytes, request.auth))  # the raw token (core.auth)
        return Response(
            TicketOutput({"ticket": ticket, "expires_in": ttl, "url": f"/ws/?ticket={ticket}"}).data,
            status=status.HTTP_201_CREATED,
        )


class RealtimeStatusView(APIView):
    """Your organization's live sockets on the answering web process, stream lengths, outbox lag."""

    capabilities = {"get": "realtime.monitor"}

    @extend_schema(responses={200: RealtimeStatusOutput}, tags=["realtime"])
    def get(self, request: TenantRequest) -> Response:
        body = {**selectors.tenant_status(tenant_id=request.tenant.pk), "background": worker_status()}
        return Response(RealtimeStatusOutput(body).data)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text for this process; needs ``Authorization: Bearer $METRICS_TOKEN``, and is
    off (404) while METRICS_TOKEN is unset."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    return HttpResponse(prometheus_text(), content_type="text/plain; version=0.0.4; charset=utf-8")
