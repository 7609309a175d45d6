"""Wire formats of clients, their photos and the reference dictionaries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.models import Membership, User
from core.roles import has_capability
from core.serializers import StrictInput, TenantPrimaryKeyField
from domains.clients.models import Client, ClientPhoto, Reference, ReferenceKind

# What the first bytes of a picture say it is; a client's claimed content type is not trusted.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")


def sniff_image(head: bytes) -> str | None:
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "image/heic"
    return None


def validate_photo(upload: UploadedFile) -> UploadedFile:
    """A JPEG, PNG, WebP or HEIC picture of at most ``PHOTO_MAX_BYTES``, judged by its content."""
    limit = settings.PHOTO_MAX_BYTES
    if upload.size > limit:
        raise serializers.ValidationError(f"At most {limit // (1024 * 1024)} MB.", code="too_large")
    upload.seek(0)
    kind = sniff_image(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise serializers.ValidationError("A photo is a JPEG, PNG, WebP or HEIC image.", code="invalid_type")
    upload.sniffed_type = kind
    return upload


class ReferenceField(TenantPrimaryKeyField):
    """A live entry of one of the tenant's dictionaries."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("queryset", Reference.objects.all())
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return super().get_queryset().filter(kind=self.kind)


class ReferenceInput(StrictInput):
    kind = serializers.ChoiceField(choices=ReferenceKind.choices)
    name = serializers.CharField(max_length=100)
    code = serializers.SlugField(max_length=50, required=False, default="", allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)
    color = serializers.RegexField(r"^(#[0-9a-fA-F]{6})?$", required=False, default="", allow_blank=True)


class ReferenceUpdateInput(ReferenceInput):
    kind = None  # a reference stays in its dictionary
    name = serializers.CharField(max_length=100, required=False)
    code = serializers.SlugField(max_length=50, required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    color = serializers.RegexField(r"^(#[0-9a-fA-F]{6})?$", required=False, allow_blank=True)


class ReferenceOutput(serializers.ModelSerializer):
    position = serializers.IntegerField()

    class Meta:
        model = Reference
        fields = ["id", "kind", "name", "code", "position", "color", "created_at", "updated_at"]


@extend_schema_field(OpenApiTypes.INT)
class AgentField(serializers.PrimaryKeyRelatedField):
    """A user id of a live member of the caller's organization who can make visits."""

    default_error_messages = {"not_an_agent": "This member cannot make visits."}

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return User.objects.filter(memberships__tenant=self.context["tenant"], memberships__deleted_at__isnull=True)

    def to_internal_value(self, data: Any) -> User:
        user = super().to_internal_value(data)
        role = (
            Membership.objects.filter(tenant=self.context["tenant"], user=user).values_list("role", flat=True).first()
        )
        if not has_capability(role, "visits.own"):
            self.fail("not_an_agent")
        return user


class ClientInput(StrictInput):
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    agents = serializers.ListField(child=AgentField(), required=False, default=list, max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lat = attrs.get("lat", getattr(self.instance, "lat", None))
        lon = attrs.get("lon", getattr(self.instance, "lon", None))
        if (lat is None) != (lon is None):
            raise serializers.ValidationError({"lon" if lon is None else "lat": ["Give both lat and lon, or neither."]})
        if lat == 0 and lon == 0:
            raise serializers.ValidationError({"lat": ["(0, 0) is not a client's location."]}, code="zero_location")
        return attrs


class ClientUpdateInput(ClientInput):
    name = serializers.CharField(max_length=200, required=False)
    code = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    agents = serializers.ListField(child=AgentField(), required=False, max_length=200)


class ClientOutput(serializers.ModelSerializer):
    agents = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = ["id", "name", "code", "phone", "address", "lat", "lon", "note", "agents", "created_at", "updated_at"]

    def get_agents(self, client: Client) -> list[int]:
        """User ids of the agents assigned to the client."""
        return [a.agent_id for a in client.assignments.all()]


class PhotoInput(StrictInput):
    file = serializers.FileField(validators=[validate_photo])
    status = ReferenceField(ReferenceKind.IMAGE_STATUS)
    source = ReferenceField(ReferenceKind.IMAGE_SOURCE)
    caption = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    taken_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PhotoOutput(serializers.ModelSerializer):
    size = serializers.IntegerField()
    status_name = serializers.CharField(source="status.name", default=None, allow_null=True)
    source_name = serializers.CharField(source="source.name", default=None, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ClientPhoto
        fields = [
            "id",
            "content_type",
            "size",
            "status",
            "status_name",
            "source",
            "source_name",
            "caption",
            "taken_at",
            "uploaded_by",
            "created_at",
            "url",
        ]

    def get_url(self, photo: ClientPhoto) -> str:
        """Where to download the picture (authenticated)."""
        return f"/api/clients/photos/{photo.pk}/file/"
