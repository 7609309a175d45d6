"""Wire formats of clients, their photos and the reference dictionaries."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from core.photos import PHOTO_FIELDS, PhotoInputBase, PhotoOutputBase
from core.serializers import MemberField, StrictInput, TenantPrimaryKeyField
from domains.clients.models import Client, ClientPhoto, Reference, ReferenceKind


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


def agent_field(**kwargs: Any) -> MemberField:
    """A user id of a live member of the caller's organization who can make visits."""
    return MemberField(
        capability="visits.own", code="not_an_agent", message=gettext("This member cannot make visits."), **kwargs
    )


class ClientInput(StrictInput):
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    agents = serializers.ListField(child=agent_field(), required=False, default=list, max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lat = attrs.get("lat", getattr(self.instance, "lat", None))
        lon = attrs.get("lon", getattr(self.instance, "lon", None))
        if (lat is None) != (lon is None):
            raise serializers.ValidationError(
                {"lon" if lon is None else "lat": [gettext("Give both lat and lon, or neither.")]}
            )
        if lat == 0 and lon == 0:
            raise serializers.ValidationError(
                {"lat": [gettext("(0, 0) is not a client's location.")]}, code="zero_location"
            )
        return attrs


class ClientUpdateInput(ClientInput):
    name = serializers.CharField(max_length=200, required=False)
    code = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    agents = serializers.ListField(child=agent_field(), required=False, max_length=200)


class ClientOutput(serializers.ModelSerializer):
    agents = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = ["id", "name", "code", "phone", "address", "lat", "lon", "note", "agents", "created_at", "updated_at"]

    def get_agents(self, client: Client) -> list[int]:
        """User ids of the agents assigned to the client."""
        return [a.agent_id for a in client.assignments.all()]


class PhotoInput(PhotoInputBase):
    """A photo of a client: a JPEG, PNG, WebP or HEIC picture (judged by its content)."""

    status = ReferenceField(ReferenceKind.IMAGE_STATUS)
    source = ReferenceField(ReferenceKind.IMAGE_SOURCE)


class PhotoOutput(PhotoOutputBase):
    """A photo of a client; ``url`` downloads it (authenticated)."""

    class Meta:
        model = ClientPhoto
        fields = PHOTO_FIELDS

    def url_of(self, photo: ClientPhoto) -> str:
        return f"/api/clients/photos/{photo.pk}/file/"
