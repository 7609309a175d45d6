"""Writes of the e-catalog: applying a batch of changes as 1C's exchange hands them.

A batch maps kinds to rows, applied in dependency order (groups before the products in them,
products before their prices). Rows are upserted by GUID, so the same batch applied twice changes
nothing; ``deleted`` rows are soft-deleted. A row naming something not synced yet (a price of an
unknown product) is kept as a ``PendingChange`` and tried again at the next batch instead of
failing this one. A malformed row fails the whole batch, with nothing applied, and says which.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.bulk import save_differing
from core.models import Organization
from core.photos import sniff_image
from domains.catalog import events
from domains.catalog.models import (
    Barcode,
    CatalogProduct,
    ClientTerms,
    Group,
    PendingChange,
    Price,
    PriceType,
    ProductImage,
    StockLevel,
    Warehouse,
)
from domains.catalog.services.images import image_store
from domains.clients.api import by_code
from realtime.events import emit

KINDS = ("groups", "price_types", "warehouses", "products", "images", "prices", "stock", "client_terms", "deleted")
DELETABLE = {
    "group": Group,
    "product": CatalogProduct,
    "price_type": PriceType,
    "warehouse": Warehouse,
    "image": ProductImage,
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}
EVENT_PRODUCTS = 500


class MalformedChange(ValueError):
    """A row of the batch is not a valid change; nothing of the batch was applied."""

    def __init__(self, kind: str, index: int, row: Any, problem: str) -> None:
        super().__init__(f"{kind}[{index}]: {problem}")
        self.kind, self.index, self.row, self.problem = kind, index, row, problem


@dataclass
class Applied:
    counts: dict[str, int] = field(default_factory=dict)  # rows created or changed, per kind
    unchanged: int = 0
    deferred: int = 0  # rows kept for the next batch (they name rows not synced yet)
    product_ids: set[int] = field(default_factory=set)

    def count(self, kind: str, changed: int) -> None:
        if changed:
            self.counts[kind] = self.counts.get(kind, 0) + changed

    def record(self, kind: str, given: int, new: list, changed: list) -> None:
        """``given`` rows of ``kind`` were synced: ``new`` created, ``changed`` updated."""
        self.count(kind, len(new) + len(changed))
        self.unchanged += given - len(new) - len(changed)


# -- parsing one row: a malformed one stops the batch -----------------------------------------


class _Row:
    def __init__(self, kind: str, index: int, row: Any) -> None:
        if not isinstance(row, Mapping):
            raise MalformedChange(kind, index, row, "a row must be an object")
        self.kind, self.index, self.row = kind, index, row

    def fail(self, problem: str) -> MalformedChange:
        return MalformedChange(self.kind, self.index, self.row, problem)

    def guid(self, key: str = "guid", *, optional: bool = False) -> uuid.UUID | None:
        value = self.row.get(key)
        if value in (None, "") and optional:
            return None
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise self.fail(f"{key} must be a GUID") from None

    def text(self, key: str, *, limit: int, required: bool = True, default: str = "") -> str:
        value = self.row.get(key, default)
        if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
            raise self.fail(f"{key} must be text of 1 to {limit} characters" if required else f"{key} too long")
        return value.strip()

    def number(self, key: str, *, places: int, minimum: Decimal | None = None) -> Decimal:
        raw = self.row.get(key)
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise self.fail(f"{key} must be a number") from None
        if not value.is_finite() or value.as_tuple().exponent < -places or abs(value) >= Decimal(10) ** (16 - places):  # type: ignore[operator]
            raise self.fail(f"{key} must be a number with at most {places} decimals")
        if minimum is not None and value < minimum:
            raise self.fail(f"{key} must be at least {minimum}")
        return value


def _by_guid(model: type, tenant_id: int, guids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Any]:
    wanted = {g for g in guids if g is not None}
    return {row.guid: row for row in model.objects.filter(tenant_id=tenant_id, guid__in=wanted)} if wanted else {}


class _Batch:
    """One batch being applied: rows by kind, what it changed, what must wait."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.applied = Applied()
        self.waiting: list[PendingChange] = []

    def wait(self, kind: str, entry: tuple[_Row, int], missing: str) -> None:
        row, attempts = entry
        self.waiting.append(
            PendingChange(
                tenant_id=self.tenant_id, kind=kind, row=dict(row.row), missing=missing, attempts=attempts + 1
            )
        )

    def upsert(self, model: type, kind: str, values: dict[uuid.UUID, dict[str, Any]]) -> dict[uuid.UUID, Any]:
        existing = _by_guid(model, self.tenant_id, values)
        new, changed = save_differing(
            model, existing, values, lambda guid, fields: model(tenant_id=self.tenant_id, guid=guid, **fields)
        )
        self.applied.record(kind, len(values), new, changed)
        if model is CatalogProduct:
            self.applied.product_ids.update(row.pk for row in [*new, *changed])
        return {**existing, **{row.guid: row for row in new}}

    # -- the kinds, in the order they are applied

    def groups(self, rows: list[tuple[_Row, int]]) -> None:
        parsed = {}
        for entry in rows:
            row = entry[0]
            guid, parent = row.guid(), row.guid("parent", optional=True)
            if parent == guid:
                raise row.fail("a group cannot be its own parent")
            parsed[guid] = (entry, row.text("code", limit=50, required=False), row.text("name", limit=200), parent)
        known = _by_guid(Group, self.tenant_id, [p[3] for p in parsed.values()])
        pending = dict(parsed)
        while pending:  # parents first, level by level: a batch may list a child before its parent
            ready = {g: p for g, p in pending.items() if p[3] is None or p[3] in known}
            if not ready:
                break
            values = {
                g: {"code": p[1], "name": p[2], "parent_id": known[p[3]].pk if p[3] else None} for g, p in ready.items()
            }
            known.update(self.upsert(Group, "groups", values))
            for g in ready:
                del pending[g]
        for entry, *_rest, parent in pending.values():
            self.wait("groups", entry, f"group {parent}")

    def price_types(self, rows: list[tuple[_Row, int]]) -> None:
        values = {}
        for row, _ in rows:
            currency = row.text("currency", limit=10, required=False, default="UZS").upper()
            if len(currency) != 3 or not currency.isalpha():
                raise row.fail("currency must be a three-letter ISO 4217 code")
            values[row.guid()] = {"name": row.text("name", limit=100), "currency": currency}
        self.upsert(PriceType, "price_types", values)

    def warehouses(self, rows: list[tuple[_Row, int]]) -> None:
        self.upsert(Warehouse, "warehouses", {row.guid(): {"name": row.text("name", limit=200)} for row, _ in rows})

    def products(self, rows: list[tuple[_Row, int]]) -> None:
        parsed = []
        for entry in rows:
            row = entry[0]
            barcodes = row.row.get("barcodes", [])
            if not isinstance(barcodes, list) or not all(
                isinstance(b, str) and 0 < len(b.strip()) <= 64 for b in barcodes
            ):
                raise row.fail("barcodes must be a list of texts of 1 to 64 characters")
            active = row.row.get("active", True)
            if not isinstance(active, bool):
                raise row.fail("active must be true or false")
            parsed.append(
                (entry, row.guid(), row.guid("group", optional=True), active, sorted({b.strip() for b in barcodes}))
            )
        groups = _by_guid(Group, self.tenant_id, [p[2] for p in parsed])
        values, codes = {}, {}
        for entry, guid, group, active, barcodes in parsed:
            if group is not None and group not in groups:
                self.wait("products", entry, f"group {group}")
                continue
            row = entry[0]
            values[guid] = {
                "code": row.text("code", limit=50, required=False),
                "name": row.text("name", limit=300),
                "unit": row.text("unit", limit=20, required=False, default="pcs") or "pcs",
                "active": active,
                "group_id": groups[group].pk if group else None,
            }
            codes[guid] = barcodes
        if not values:
            return
        products = self.upsert(CatalogProduct, "products", values)
        self._barcodes({products[guid].pk: wanted for guid, wanted in codes.items()})

    def _barcodes(self, wanted: dict[int, list[str]]) -> None:
        have: dict[int, list[str]] = {pk: [] for pk in wanted}
        for product_id, value in (
            Barcode.objects.filter(product_id__in=wanted).order_by("value").values_list("product_id", "value")
        ):
            have[product_id].append(value)
        moved = {pk for pk in wanted if have[pk] != wanted[pk]}
        if not moved:
            return
        values = [v for pk in moved for v in wanted[pk]]
        # A barcode 1C moved from another product goes with it.
        Barcode.objects.filter(tenant_id=self.tenant_id).filter(product_id__in=moved).delete()
        Barcode.objects.filter(tenant_id=self.tenant_id, value__in=values).delete()
        Barcode.objects.bulk_create(
            Barcode(tenant_id=self.tenant_id, product_id=pk, value=v) for pk in moved for v in wanted[pk]
        )
        self.applied.count("barcodes", len(moved))
        self.applied.product_ids.update(moved)

    def images(self, rows: list[tuple[_Row, int]]) -> None:
        """Pictures as base64 ``data``, checked like an upload; one that did not change is left be."""
        parsed = []
        for entry in rows:
            row = entry[0]
            try:
                raw = base64.b64decode(row.row.get("data") or "", validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise row.fail("data must be the picture in base64") from None
            if len(raw) > settings.PHOTO_MAX_BYTES:
                raise row.fail(f"the picture is over {settings.PHOTO_MAX_BYTES} bytes")
            if (content_type := sniff_image(raw[:16])) is None:
                raise row.fail("data must be a JPEG, PNG, WebP or HEIC picture")
            caption = row.text("caption", limit=200, required=False)
            parsed.append((entry, row.guid(), row.guid("product"), raw, content_type, caption))
        products = _by_guid(CatalogProduct, self.tenant_id, [p[2] for p in parsed])
        existing = _by_guid(ProductImage, self.tenant_id, [p[1] for p in parsed])
        for entry, guid, product, raw, content_type, caption in parsed:
            if product not in products:
                self.wait("images", entry, f"product {product}")
                continue
            image = existing.get(guid) or ProductImage(tenant_id=self.tenant_id, guid=guid)
            digest, before = hashlib.sha256(raw).hexdigest(), (image.product_id, image.caption, image.digest)
            image.product_id, image.caption = products[product].pk, caption
            if image.pk and before == (image.product_id, caption, digest):
                self.applied.unchanged += 1
                continue
            upload = ContentFile(raw, name=f"{guid}.{EXTENSIONS[content_type]}")
            image_store(image, upload, content_type=content_type, digest=digest)
            self.applied.count("images", 1)
            self.applied.product_ids.add(image.product_id)

    def _amounts(
        self, kind: str, rows: list[tuple[_Row, int]], model: type, other: type, other_key: str, field: str, places: int
    ) -> list:
        """Prices and stock levels: one decimal per (product, price type or warehouse)."""
        parsed = [
            (
                entry,
                entry[0].guid("product"),
                entry[0].guid(other_key),
                entry[0].number(field, places=places, minimum=Decimal(0)),
            )
            for entry in rows
        ]
        products = _by_guid(CatalogProduct, self.tenant_id, [p[1] for p in parsed])
        others = _by_guid(other, self.tenant_id, [p[2] for p in parsed])
        values: dict[tuple[int, int], dict[str, Decimal]] = {}
        for entry, product, second, amount in parsed:
            if product not in products:
                self.wait(kind, entry, f"product {product}")
            elif second not in others:
                self.wait(kind, entry, f"{other_key} {second}")
            else:
                values[(products[product].pk, others[second].pk)] = {field: amount}
        other_id = f"{other_key}_id"
        existing = {
            (row.product_id, getattr(row, other_id)): row
            for row in model.objects.filter(product_id__in={k[0] for k in values})
        }
        new, changed = save_differing(
            model,
            existing,
            values,
            lambda key, fields: model(tenant_id=self.tenant_id, product_id=key[0], **{other_id: key[1]}, **fields),
        )
        self.applied.record(kind, len(values), new, changed)
        touched = {row.product_id for row in [*new, *changed]}
        self.applied.product_ids.update(touched)
        return touched

    def prices(self, rows: list[tuple[_Row, int]]) -> None:
        self._amounts("prices", rows, Price, PriceType, "price_type", "amount", 2)

    def stock(self, rows: list[tuple[_Row, int]]) -> None:
        _recount_stock(self._amounts("stock", rows, StockLevel, Warehouse, "warehouse", "quantity", 3))

    def client_terms(self, rows: list[tuple[_Row, int]]) -> None:
        parsed = [(entry, entry[0].text("client", limit=50), entry[0].guid("price_type")) for entry in rows]
        clients = {code: c.pk for code, c in by_code(tenant_id=self.tenant_id, codes={p[1] for p in parsed}).items()}
        types = _by_guid(PriceType, self.tenant_id, [p[2] for p in parsed])
        values = {}
        for entry, code, price_type in parsed:
            if code not in clients:
                self.wait("client_terms", entry, f"client {code}")
            elif price_type not in types:
                self.wait("client_terms", entry, f"price_type {price_type}")
            else:
                values[clients[code]] = {"price_type_id": types[price_type].pk}
        existing = {t.client_id: t for t in ClientTerms.objects.filter(client_id__in=values)}
        new, changed = save_differing(
            ClientTerms,
            existing,
            values,
            lambda pk, fields: ClientTerms(tenant_id=self.tenant_id, client_id=pk, **fields),
        )
        self.applied.record("client_terms", len(values), new, changed)

    def deleted(self, rows: list[tuple[_Row, int]]) -> None:
        by_kind: dict[str, set[uuid.UUID]] = {}
        for row, _ in rows:
            kind = row.row.get("kind")
            if kind not in DELETABLE:
                raise row.fail(f"kind must be one of {', '.join(sorted(DELETABLE))}")
            by_kind.setdefault(kind, set()).add(row.guid())  # type: ignore[arg-type]
        now = timezone.now()
        for kind, guids in by_kind.items():
            model = DELETABLE[kind]
            gone = model.objects.filter(tenant_id=self.tenant_id, guid__in=guids)
            if model is CatalogProduct:
                self.applied.product_ids.update(gone.values_list("pk", flat=True))
            self.applied.count(f"deleted_{kind}s", gone.update(deleted_at=now))  # an unknown GUID is already gone


def _recount_stock(product_ids: set[int]) -> None:
    if not product_ids:
        return
    total = (
        StockLevel.objects.filter(product_id=OuterRef("pk"))
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=3))
    CatalogProduct.all_objects.filter(pk__in=product_ids).update(in_stock=Coalesce(Subquery(total), zero))


@transaction.atomic
def apply_changes(*, tenant: Organization, changes: Mapping[str, Any]) -> Applied:
    """Apply one batch of 1C's changes (see the module's docstring); raises ``MalformedChange``
    with nothing applied when a row is invalid. Emits one ``catalog.changed`` when anything changed."""
    if not isinstance(changes, Mapping) or set(changes) - set(KINDS):
        raise MalformedChange("batch", 0, None, f"a batch maps kinds ({', '.join(KINDS)}) to lists of rows")
    batch = _Batch(tenant.pk)
    # What earlier batches left waiting goes first: a newer row for the same key in this batch wins.
    waiting = list(PendingChange.objects.select_for_update().filter(tenant=tenant))
    rows: dict[str, list[tuple[_Row, int]]] = {kind: [] for kind in KINDS}
    for pending in waiting:
        rows[pending.kind].append((_Row(pending.kind, -pending.pk, pending.row), pending.attempts))
    for kind in KINDS:
        given = changes.get(kind, [])
        if not isinstance(given, Sequence) or isinstance(given, str):
            raise MalformedChange(kind, 0, given, "must be a list of rows")
        rows[kind].extend((_Row(kind, n, row), 0) for n, row in enumerate(given))
    PendingChange.objects.filter(pk__in=[p.pk for p in waiting]).delete()
    for kind in KINDS:
        if rows[kind]:
            getattr(batch, kind)(rows[kind])
    PendingChange.objects.bulk_create(batch.waiting)
    applied = batch.applied
    applied.deferred = len(batch.waiting)
    if applied.counts:
        ids = sorted(applied.product_ids)
        emit(
            tenant_id=tenant.pk,
            type=events.CHANGED.name,
            data={
                "counts": applied.counts,
                "product_ids": ids[:EVENT_PRODUCTS],
                "truncated": len(ids) > EVENT_PRODUCTS,
            },
        )
    return applied
