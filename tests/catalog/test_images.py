"""Products' pictures: handed over by 1C (base64, checked like an upload, unchanged ones left be)
or uploaded by a manager; listed with each product in one query; served behind auth."""

from __future__ import annotations

import base64
import uuid

import pytest

from core.demo import png
from core.roles import Role
from domains.catalog.api import MalformedChange, apply_changes
from domains.catalog.models import ProductImage
from realtime.models import OutboxEvent
from tests.catalog.test_exchange import G, batch
from tests.factories import bearer, member_factory, tenant_factory
from tests.fieldwork import photo

pytestmark = pytest.mark.django_db
PICTURE = str(uuid.uuid5(uuid.NAMESPACE_URL, "apple-picture"))


def picture_row(rgb=(10, 200, 30), **extra):  # type: ignore[no-untyped-def]
    data = base64.b64encode(png(rgb=rgb)).decode()
    return {"guid": PICTURE, "product": G["apple"], "data": data, "caption": "Front", **extra}


def test_1c_hands_a_picture_once_and_a_changed_one_replaces_it(api, tenant, field):
    applied = apply_changes(tenant=tenant, changes={**batch(), "images": [picture_row()]})
    assert applied.counts["images"] == 1
    image = ProductImage.objects.get(guid=PICTURE)
    assert (image.content_type, image.caption, image.uploaded_by) == ("image/png", "Front", None)
    again = apply_changes(tenant=tenant, changes={"images": [picture_row()]})
    assert again.counts == {}  # the same picture: nothing written, no event
    changed = apply_changes(tenant=tenant, changes={"images": [picture_row(rgb=(1, 2, 3))]})
    assert changed.counts == {"images": 1} and ProductImage.objects.count() == 1
    listed = api.get("/api/catalog/products/?search=apple", **bearer(field["agent"])).json()["results"][0]
    image.refresh_from_db()
    assert listed["images"] == [f"/api/catalog/images/{image.pk}/file/?v={image.digest[:12]}"]
    served = api.get(listed["images"][0], **bearer(field["agent"]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png(rgb=(1, 2, 3))
    apply_changes(tenant=tenant, changes={"deleted": [{"kind": "image", "guid": PICTURE}]})
    assert api.get("/api/catalog/products/?search=apple", **bearer(field["agent"])).json()["results"][0]["images"] == []


def test_a_picture_of_a_product_not_synced_yet_waits(tenant):
    applied = apply_changes(tenant=tenant, changes={"images": [picture_row()]})
    assert applied.deferred == 1 and not ProductImage.objects.exists()
    apply_changes(tenant=tenant, changes=batch())
    assert ProductImage.objects.filter(guid=PICTURE).exists()


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"data": "not base64!"}, "data must be the picture in base64"),
        ({"data": base64.b64encode(b"GIF89a plain text").decode()}, "must be a JPEG, PNG, WebP or HEIC"),
        ({"data": None}, "must be a JPEG, PNG, WebP or HEIC"),
        ({"guid": "nope"}, "guid must be a GUID"),
    ],
)
def test_a_bad_picture_fails_the_batch_with_nothing_applied(tenant, row, problem):
    with pytest.raises(MalformedChange) as failed:
        apply_changes(tenant=tenant, changes={**batch(), "images": [picture_row(**row)]})
    assert problem in str(failed.value) and str(failed.value).startswith("images[0]")
    assert not ProductImage.objects.exists()


def test_a_picture_over_the_limit_is_refused(tenant, settings):
    settings.PHOTO_MAX_BYTES = 20
    with pytest.raises(MalformedChange, match="over 20 bytes"):
        apply_changes(tenant=tenant, changes={**batch(), "images": [picture_row()]})


def test_managers_upload_and_remove_pictures_agents_only_see_them(api, tenant, field):
    apply_changes(tenant=tenant, changes=batch())
    apple = api.get("/api/catalog/products/?search=apple", **bearer(field["agent"])).json()["results"][0]
    url = f"/api/catalog/products/{apple['id']}/images/"
    refused = api.post(url, {"file": photo()}, format="multipart", **bearer(field["agent"]))
    assert refused.status_code == 403
    text = api.post(url, {"file": photo(content=b"just text")}, format="multipart", **bearer(field["manager"]))
    assert text.status_code == 400 and text.json()["error"]["fields"]["file"][0]["code"] == "invalid_type"
    added = api.post(url, {"file": photo(), "caption": "Shelf"}, format="multipart", **bearer(field["manager"]))
    assert added.status_code == 201, added.content
    image = added.json()
    assert image["product"] == apple["id"] and image["uploaded_by"] == field["manager"].user_id
    assert [i["id"] for i in api.get(url, **bearer(field["agent"])).json()] == [image["id"]]
    assert OutboxEvent.objects.filter(type="catalog.changed", data__counts={"images": 1}).count() == 1
    outsider = member_factory(tenant=tenant_factory(), role=Role.ADMIN)
    assert api.get(image["url"], **bearer(outsider)).status_code == 404
    assert api.delete(f"/api/catalog/images/{image['id']}/", **bearer(field["agent"])).status_code == 403
    assert api.delete(f"/api/catalog/images/{image['id']}/", **bearer(field["manager"])).status_code == 204
    assert api.get(url, **bearer(field["agent"])).json() == []
