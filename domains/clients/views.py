"""REST endpoints of clients, their photos and the reference dictionaries."""

from __future__ import annotations

import django_filters
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core import filters
from core.files import stored_response
from core.parsers import JSONParser
from core.photos import PHOTO_TYPES
from core.schema import binary_responses
from core.viewsets import TenantScopedViewSet
from domains.clients import selectors, services
from domains.clients.models import Client, ClientPhoto, Reference
from domains.clients.serializers import (
    ClientInput,
    ClientOutput,
    ClientUpdateInput,
    PhotoInput,
    PhotoOutput,
    ReferenceInput,
    ReferenceOutput,
    ReferenceUpdateInput,
)

TAGS = ["clients"]
SEE_CLIENTS = ("clients.view_all", "clients.view_assigned")


@extend_schema(tags=TAGS)
class ReferenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """The tenant's dictionaries: visit types and statuses, priorities, image statuses and
    sources. Everyone reads them; admins edit. A deleted entry stays on what used it."""

    serializer_class = ReferenceOutput
    filterset_fields = ["kind"]
    pagination_class = None  # small dictionaries, read whole by every form
    capabilities = {
        "list": "tenant.view",
        "retrieve": "tenant.view",
        "create": "references.manage",
        "partial_update": "references.manage",
        "destroy": "references.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.reference_list(tenant=self.request.tenant)

    @extend_schema(request=ReferenceInput, responses={201: ReferenceOutput})
    def create(self, request: Request) -> Response:
        data = ReferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.reference_create(tenant=request.tenant, **data.validated_data)
        return Response(ReferenceOutput(found).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReferenceUpdateInput, responses={200: ReferenceOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        data = ReferenceUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.reference_update(reference=self.get_object(), **data.validated_data)
        return Response(ReferenceOutput(found).data)

    def perform_destroy(self, instance: Reference) -> None:
        services.reference_delete(reference=instance)


class IdsFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """Comma-separated numbers (django-filter's way: the list filter over the number filter)."""


class ClientFilter(filters.FilterSet):
    agent = filters.IdFilter(field_name="assignments__agent_id", help_text="Assigned to this user id.")
    has_location = django_filters.BooleanFilter(field_name="lat", lookup_expr="isnull", exclude=True)
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    ids = IdsFilter(field_name="id", help_text="Only these client ids, comma-separated.")

    class Meta:
        model = Client
        fields = ["code"]


@extend_schema(tags=TAGS)
class ClientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Clients (shops, outlets) the agents visit. Managers see all; an agent sees the clients
    assigned to them. ``search`` matches name (contains), code (prefix) and phone digits."""

    serializer_class = ClientOutput
    filterset_class = ClientFilter
    ordering_fields = ["id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    capabilities = {
        "list": SEE_CLIENTS,
        "retrieve": SEE_CLIENTS,
        "create": "clients.manage",
        "partial_update": "clients.manage",
        "destroy": "clients.manage",
        "photos": SEE_CLIENTS,
        "add_photo": ("clients.manage", "visits.own"),
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        search = self.request.query_params.get("search", "") if self.action == "list" else ""
        return selectors.client_list(membership=self.request.membership, search=search)

    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="Name (contains), code (prefix) or phone digits.")]
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(request=ClientInput, responses={201: ClientOutput})
    def create(self, request: Request) -> Response:
        data = ClientInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        client = services.client_create(tenant=request.tenant, **data.validated_data)
        return Response(ClientOutput(self.get_queryset().get(pk=client.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClientUpdateInput, responses={200: ClientOutput})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        client = self.get_object()
        data = ClientUpdateInput(client, data=request.data, context={"tenant": request.tenant}, partial=True)
        data.is_valid(raise_exception=True)
        services.client_update(client=client, **data.validated_data)
        return Response(ClientOutput(self.get_queryset().get(pk=client.pk)).data)

    def perform_destroy(self, instance: Client) -> None:
        services.client_delete(client=instance)

    @extend_schema(operation_id="clients_photos_of_client", responses={200: PhotoOutput(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """The client's photos, newest first (multipart POST here adds one)."""
        return Response(PhotoOutput(selectors.client_photos(client=self.get_object()), many=True).data)

    @extend_schema(
        operation_id="clients_photos_of_client_add",
        request={"multipart/form-data": PhotoInput},
        responses={201: PhotoOutput},
    )
    @photos.mapping.post
    def add_photo(self, request: Request, pk: str | None = None) -> Response:
        """Upload a photo: JPEG, PNG, WebP or HEIC (judged by content), at most PHOTO_MAX_BYTES."""
        client = self.get_object()
        data = PhotoInput(data=request.data, context={"tenant": request.tenant})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upload = values.pop("file")
        photo = services.client_photo_add(
            client=client, actor=request.user, upload=upload, content_type=upload.sniffed_type, **values
        )
        return Response(PhotoOutput(photo).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class ClientPhotoViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet
):
    """Client photos across clients (newest first), each downloadable at ``file``."""

    serializer_class = PhotoOutput
    filterset_fields = ["client", "status", "source"]
    capabilities = {
        "list": SEE_CLIENTS,
        "retrieve": SEE_CLIENTS,
        "file": SEE_CLIENTS,
        "destroy": "clients.manage",
    }

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.visible_photos(membership=self.request.membership)

    def perform_destroy(self, instance: ClientPhoto) -> None:
        services.photo_delete(photo=instance)

    @extend_schema(responses=binary_responses(PHOTO_TYPES))
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        photo = self.get_object()
        return stored_response(photo.file, photo.content_type)
