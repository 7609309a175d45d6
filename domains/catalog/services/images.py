"""Writes of product pictures: a manager's upload, and pictures 1C hands over in an exchange.

Both go through the client photos' checked save (type judged by content, at most
``PHOTO_MAX_BYTES``, stored through Django's storage and served behind auth)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files import File
from django.db import transaction

from core.models import User
from domains.catalog import events
from domains.catalog.models import CatalogProduct, ProductImage
from domains.clients.api import photo_delete, photo_save
from realtime.events import emit


def digest_of(upload: File) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


def image_store(image: ProductImage, upload: File, *, content_type: str, digest: str = "") -> ProductImage:
    """Save ``image`` with ``upload`` as its picture (in the caller's transaction); ``digest`` is
    its SHA-256 when the caller has it already."""
    image.digest = digest or digest_of(upload)
    return photo_save(image, upload, content_type=content_type)


def _changed(product_id: int, tenant_id: int) -> None:
    emit(
        tenant_id=tenant_id,
        type=events.CHANGED.name,
        data={"counts": {"images": 1}, "product_ids": [product_id], "truncated": False},
    )


@transaction.atomic
def image_add(*, product: CatalogProduct, actor: User, upload: File, content_type: str, **values: Any) -> ProductImage:
    image = ProductImage(tenant_id=product.tenant_id, product=product, uploaded_by=actor, **values)
    image_store(image, upload, content_type=content_type)
    _changed(product.pk, product.tenant_id)
    return image


@transaction.atomic
def image_delete(*, image: ProductImage) -> None:
    """Soft delete, as for client photos; a picture 1C sent comes back only if 1C sends it anew."""
    photo_delete(photo=image)
    _changed(image.product_id, image.tenant_id)
