"""REST endpoints of visits, the visit checklist and visit photos."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import filters
from core.files import stored_response
from core.models import Membership
from core.parsers import JSONParser
from core.photos import PHOTO_TYPES
from core.roles import has_capability
from core.schema import binary_responses
from core.viewsets import TenantScopedViewSet
from domains.visits import access, selectors, services
from domains.visits.models import Visit, VisitStep
from domains.visits.serializers import (
    CancelInput,
    CheckOutInput,
    DayReportInput,
    DayReportOutput,
    FixInput,
    ResultInput,
    ResultOutput,
    StepInput,
    StepOutput,
    StepUpdateInput,
    VisitInput,
    VisitOutput,
    VisitPhotoInput,
    VisitPhotoOutput,
    VisitUpdateInput,
)

TAGS = ["visits"]
SEE_VISITS = ("visits.view_all", "visits.own")


@extend_schema(tags=TAGS)
class StepViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """The tenant's visit checklist: what an agent records at every visit. Required steps
    must have a result before check-out."""

    serializer_class = StepOutput
    pagination_class = None
    capabilities = {
        "list": SEE_VISITS,
        "retrieve": SEE_VISITS,
        "create": "references.manage",
        "partial_update": "references.manage",
        "destroy": "references.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.step_list(tenant=self.request.tenant)

    @extend_schema(request=StepInput, responses={201: StepOutput})
    def create(self, request: Request) -> Response:
        data = StepInput(data=request.data)
        data.is_valid(raise_exception=True)
        step = services.step_create(tenant=request.tenant, **data.validated_data)
        return Response(StepOutput(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StepUpdateInput, responses={200: StepOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        data = StepUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(StepOutput(services.step_update(step=self.get_object(), **data.validated_data)).data)

    def perform_destroy(self, instance: VisitStep) -> None:
        services.step_delete(step=instance)


class VisitFilter(filters.FilterSet):
    planned_from = filters.IsoDateTimeFilter(field_name="planned_at", lookup_expr="gte")
    planned_to = filters.IsoDateTimeFilter(field_name="planned_at", lookup_expr="lt")

    class Meta:
        model = Visit
        fields = ["agent", "client", "state", "type", "priority", "status"]


@extend_schema(tags=TAGS)
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Visits. An agent sees and changes only their own; managers see and plan all. Check-in,
    check-out, results and photos are the visit's agent's alone: the fix is their phone's."""

    serializer_class = VisitOutput
    filterset_class = VisitFilter
    ordering_fields = ["id", "planned_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    capabilities = {
        "list": SEE_VISITS,
        "retrieve": SEE_VISITS,
        "create": "visits.own",
        "partial_update": "visits.own",
        "check_in": "visits.own",
        "check_out": "visits.own",
        "cancel": "visits.own",
        "results": "visits.own",
        "photos": SEE_VISITS,
        "add_photo": "visits.own",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.visit_list(membership=self.request.membership)

    def _answer(self, visit: Visit, code: int = status.HTTP_200_OK) -> Response:
        return Response(VisitOutput(self.get_queryset().get(pk=visit.pk)).data, status=code)

    def _input(self, serializer: type, **kwargs) -> dict:  # type: ignore[no-untyped-def]
        data = serializer(data=self.request.data, context={"tenant": self.request.tenant}, **kwargs)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _own(self) -> Visit:
        return access.require_own(self.get_object(), self.request.user)

    @extend_schema(request=VisitInput, responses={201: VisitOutput})
    def create(self, request: Request) -> Response:
        values = self._input(VisitInput)
        values.setdefault("agent", request.user)
        access.check_plan(request.membership, request.user, values)
        return self._answer(services.visit_create(tenant=request.tenant, actor=request.user, **values), 201)

    @extend_schema(request=VisitUpdateInput, responses={200: VisitOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        visit = self.get_object()
        values = self._input(VisitUpdateInput)
        access.check_plan(request.membership, request.user, values)
        return self._answer(services.visit_update(visit=visit, actor=request.user, **values))

    @extend_schema(request=FixInput, responses={200: VisitOutput})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        """Check in with the phone's fix: verified within the tenant's radius of the client,
        saved but flagged out_of_range (with the distance) beyond it, unverifiable without a
        usable fix. 409 ``visit_open`` while another visit of the agent is in progress."""
        visit = self._own()
        return self._answer(services.check_in(visit=visit, actor=request.user, **self._input(FixInput)))

    @extend_schema(request=CheckOutInput, responses={200: VisitOutput})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: str | None = None) -> Response:
        """Check out (409 ``not_checked_in`` before check-in, ``steps_incomplete`` while a
        required checklist step has no result), optionally with the outcome status."""
        visit = self._own()
        return self._answer(services.check_out(visit=visit, actor=request.user, **self._input(CheckOutInput)))

    @extend_schema(request=CancelInput, responses={200: VisitOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        visit = self.get_object()
        return self._answer(services.cancel(visit=visit, actor=request.user, **self._input(CancelInput)))

    @extend_schema(request=ResultInput, responses={200: ResultOutput})
    @action(detail=True, methods=["post"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Record (or replace) the result of one checklist step while checked in."""
        visit = self._own()
        result = services.record_result(visit=visit, actor=request.user, **self._input(ResultInput))
        return Response(ResultOutput(result).data)

    @extend_schema(operation_id="visits_photos_of_visit", responses={200: VisitPhotoOutput(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """The visit's photos, newest first (multipart POST here adds one)."""
        return Response(VisitPhotoOutput(selectors.visit_photos(visit=self.get_object()), many=True).data)

    @extend_schema(
        operation_id="visits_photos_of_visit_add",
        request={"multipart/form-data": VisitPhotoInput},
        responses={201: VisitPhotoOutput},
    )
    @photos.mapping.post
    def add_photo(self, request: Request, pk: str | None = None) -> Response:
        """Upload a photo taken during the visit: JPEG, PNG, WebP or HEIC, at most PHOTO_MAX_BYTES."""
        visit = self._own()
        values = self._input(VisitPhotoInput)
        upload = values.pop("file")
        photo = services.visit_photo_add(
            visit=visit, actor=request.user, upload=upload, content_type=upload.sniffed_type, **values
        )
        return Response(VisitPhotoOutput(photo).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class VisitPhotoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Visit photos across visits (newest first), each downloadable at ``file``."""

    serializer_class = VisitPhotoOutput
    filterset_fields = ["visit", "step", "status", "source"]
    capabilities = {"list": SEE_VISITS, "retrieve": SEE_VISITS, "file": SEE_VISITS}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.visible_photos(membership=self.request.membership)

    @extend_schema(responses=binary_responses(PHOTO_TYPES))
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        photo = self.get_object()
        return stored_response(photo.file, photo.content_type)


class DayReportView(APIView):
    """An agent's day (docs/field.md, "The day's report"): distance, time moving, time at clients,
    time outside their territory, trips and stops, and visits done against planned. Those who
    see every visit ask for any agent; an agent for themselves."""

    capabilities = {"get": ("visits.view_all", "visits.own")}

    @extend_schema(parameters=[DayReportInput], responses={200: DayReportOutput}, tags=["visits"])
    def get(self, request: Request) -> Response:
        query = DayReportInput(data=request.query_params, context={"tenant": request.tenant})
        query.is_valid(raise_exception=True)
        agent_id = query.validated_data["agent"] or request.user.pk
        mine = agent_id == request.user.pk or has_capability(request.membership.role, "visits.view_all")
        if not mine or not Membership.objects.alive().filter(tenant=request.tenant, user_id=agent_id).exists():
            raise ValidationError({"agent": [gettext("No such agent.")]}, code="does_not_exist")
        return Response(selectors.day_report(tenant=request.tenant, agent_id=agent_id, day=query.validated_data["day"]))
