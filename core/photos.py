"""What every domain with pictures shares (a client's, a product's, one taken at a call): the accepted types,
judging an upload by its content, and the wire format of a stored photo. Each domain's photo row
(an abstract model with status and source, ``domains.clients``) and its URL stay its own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext
from rest_framework import serializers

from core.serializers import StrictInput

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


def validate_photo(upload: File) -> None:
    """A JPEG, PNG, WebP or HEIC picture of at most ``PHOTO_MAX_BYTES``, judged by its content."""
    limit = settings.PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise serializers.ValidationError(
            gettext("At most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}, code="too_large"
        )
    upload.seek(0)
    kind = sniff_image(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise serializers.ValidationError(gettext("A photo is a JPEG, PNG, WebP or HEIC image."), code="invalid_type")
    upload.sniffed_type = kind  # type: ignore[attr-defined]


class PhotoInputBase(StrictInput):
    """An upload; each domain adds its photo's ``status`` and ``source`` (dictionary entries)."""

    file = serializers.FileField(validators=[validate_photo])
    caption = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    taken_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


PHOTO_FIELDS = [
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


class PhotoOutputBase(serializers.ModelSerializer):
    """A stored photo; a domain's subclass names its model (``Meta.model``, ``PHOTO_FIELDS`` and
    its own) and where the file is downloaded (``url_of``)."""

    size = serializers.IntegerField()
    status_name = serializers.CharField(source="status.name", default=None, allow_null=True)
    source_name = serializers.CharField(source="source.name", default=None, allow_null=True)
    url = serializers.SerializerMethodField()

    def url_of(self, photo: Any) -> str:
        raise NotImplementedError(f"{type(self).__name__} must say where its photos are downloaded")

    def get_url(self, photo: Any) -> str:
        """Where to download the picture (authenticated)."""
        return self.url_of(photo)
