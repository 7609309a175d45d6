"""REST endpoints of the 1C integration (admins)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Conflict
from core.viewsets import TenantScopedViewSet
from domains.onec import problems, selectors, services, tasks
from domains.onec.models import Connection
from domains.onec.serializers import (
    ConnectionInput,
    ConnectionOutput,
    ConnectionTestOutput,
    DocumentOutput,
    ExchangeOutput,
    ExchangeRequestInput,
)

TAGS = ["1c"]


def _connection(request: Request) -> Connection:
    found = selectors.connection_of(tenant=request.tenant)
    if found is None:
        raise NotFound("No 1C connection yet: PUT one first.", code="not_configured")
    return found


class ConnectionView(APIView):
    capabilities = {"get": "onec.manage", "put": "onec.manage"}

    @extend_schema(responses={200: ConnectionOutput}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(ConnectionOutput(_connection(request)).data)

    @extend_schema(request=ConnectionInput, responses={200: ConnectionOutput}, tags=TAGS)
    def put(self, request: Request) -> Response:
        """Set the organization's 1C connection (the password is sealed and never shown again)."""
        data = ConnectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ConnectionOutput(services.connection_save(tenant=request.tenant, **data.validated_data)).data)


class ConnectionTestView(APIView):
    capabilities = {"post": "onec.manage"}

    @extend_schema(request=None, responses={200: ConnectionTestOutput}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Ask the primary and the failover, each on its own, who answers; nothing is exchanged."""
        answers = services.test_connection(connection=_connection(request))
        return Response({"results": {url: problems.read(answer) for url, answer in answers.items()}})


class ExchangeRunView(APIView):
    capabilities = {"post": "onec.manage"}

    @extend_schema(request=ExchangeRequestInput, responses={202: None}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Queue an exchange now, whether the schedule is on or off; ``full`` asks for everything.
        409 ``exchange_running`` while one runs (its progress is on the socket): the request would
        otherwise be dropped when its job finds that one still running."""
        data = ExchangeRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        connection = _connection(request)
        running = selectors.running_exchange(tenant=request.tenant)
        if running is not None:
            message = _("An exchange with 1C is running; ask again when it ends.")
            raise Conflict(message, code="exchange_running", exchange=running.pk)
        if data.validated_data["full"]:
            services.request_full(connection=connection)
        tasks.exchange.send(request.tenant.pk, "full" if data.validated_data["full"] else "manual")
        return Response(status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=TAGS)
class ExchangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The exchange journal, newest first: what each run fetched, applied, and why it failed."""

    serializer_class = ExchangeOutput
    filterset_fields = ["status"]
    capabilities = {"list": "onec.manage", "retrieve": "onec.manage"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.exchange_list(tenant=self.request.tenant)


@extend_schema(tags=TAGS)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The journal of documents sent to 1C (agents' orders, finished visits), newest first: each
    sent once, with 1C's number, or why it is still waiting or failed."""

    serializer_class = DocumentOutput
    filterset_fields = ["status", "kind"]
    capabilities = {"list": "onec.manage", "retrieve": "onec.manage"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.document_list(tenant=self.request.tenant)
