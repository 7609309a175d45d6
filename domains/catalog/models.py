"""The e-catalog agents sell from: the nomenclature an organization keeps in 1C.

Every row carries its 1C GUID, so an exchange upserts by it and applying the same changes twice
changes nothing. Rows 1C deletes are soft-deleted here: an order taken last week still points at
its product. Stock levels are per warehouse, prices per price type; a client buys at one price
type (``ClientTerms``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import SoftDeletable, TenantOwned
from domains.clients.api import Client, Photo


def _unique_live_guid(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["tenant", "guid"], condition=Q(deleted_at__isnull=True), name=f"catalog_{model}_unique_live_guid"
    )


class Group(TenantOwned, SoftDeletable):
    """A folder of 1C's nomenclature tree."""

    guid = models.UUIDField()
    code = models.CharField(max_length=50, blank=True, default="")
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [_unique_live_guid("group")]

    def __str__(self) -> str:
        return self.name


class CatalogProduct(TenantOwned, SoftDeletable):
    """An item of the catalog as 1C's nomenclature lists it (its code, group, unit, prices and stock
    per warehouse come from the exchange). Not the stock ledger's product: the catalog is what field
    agents sell from 1C; stock is what a kitchen or shop holds itself."""

    guid = models.UUIDField()
    code = models.CharField(max_length=50, blank=True, default="")
    name = models.CharField(max_length=300)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(max_length=20, default="pcs")
    active = models.BooleanField(default=True)
    # Quantity on hand over every warehouse, kept by the exchange: "in stock" is a plain filter.
    in_stock = models.DecimalField(max_digits=16, decimal_places=3, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [_unique_live_guid("product")]
        indexes = [models.Index(fields=["tenant", "code"], name="catalog_product_code")]

    def __str__(self) -> str:
        return self.name


class ProductImage(Photo):
    """A picture of a product, under the rules of client photos; uploaded here by a manager, or
    handed over by 1C (then ``guid`` is 1C's and ``digest`` tells a changed picture)."""

    product = models.ForeignKey(CatalogProduct, on_delete=models.CASCADE, related_name="images")
    guid = models.UUIDField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True, default="", help_text="SHA-256 of the picture.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [_unique_live_guid("product_image")]
        indexes = [models.Index(fields=["product", "id"], name="catalog_image_product")]


class Barcode(TenantOwned):
    product = models.ForeignKey(CatalogProduct, on_delete=models.CASCADE, related_name="barcodes")
    value = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "value"], name="catalog_barcode_unique")]


class PriceType(TenantOwned, SoftDeletable):
    """Wholesale, retail, …: a column of 1C's price list."""

    guid = models.UUIDField()
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="UZS")

    class Meta:
        ordering = ["name", "id"]
        constraints = [_unique_live_guid("pricetype")]

    def __str__(self) -> str:
        return self.name


class Price(TenantOwned):
    product = models.ForeignKey(CatalogProduct, on_delete=models.CASCADE, related_name="prices")
    price_type = models.ForeignKey(PriceType, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "price_type"], name="catalog_price_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="catalog_price_not_negative"),
        ]


class Warehouse(TenantOwned, SoftDeletable):
    guid = models.UUIDField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name", "id"]
        constraints = [_unique_live_guid("warehouse")]

    def __str__(self) -> str:
        return self.name


class StockLevel(TenantOwned):
    product = models.ForeignKey(CatalogProduct, on_delete=models.CASCADE, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock_levels")
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="catalog_stocklevel_unique")]


class ClientTerms(TenantOwned):
    """At which price type a client buys (1C's client card names it)."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="+")
    price_type = models.ForeignKey(PriceType, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)


class PendingChange(TenantOwned):
    """A change that names a row not synced yet (a price of an unknown product): kept and applied
    again on the next pass instead of failing its whole batch."""

    kind = models.CharField(max_length=20)
    row = models.JSONField()
    missing = models.CharField(max_length=200, help_text="What it waits for, e.g. 'product <guid>'.")
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]


class FieldOrderStatus(models.TextChoices):
    PENDING = "pending", "waiting to be sent to 1C"
    SENT = "sent", "1C has it (its number is known)"
    FAILED = "failed", "1C refused it"


class FieldOrder(TenantOwned):
    """An agent's order for a client, taken at a visit from the catalog and sent to 1C as a
    customer order. Prices are the client's at the time of the order, copied onto its lines."""

    uid = models.UUIDField(unique=True, help_text="Oqim's id of the document, which 1C deduplicates by.")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    visit_id = models.BigIntegerField(null=True, blank=True, help_text="The visit it was taken at.")
    price_type = models.ForeignKey(PriceType, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=18, decimal_places=2)
    comment = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=10, choices=FieldOrderStatus.choices, default=FieldOrderStatus.PENDING)
    onec_number = models.CharField(max_length=50, blank=True, default="")
    onec_status = models.CharField(max_length=50, blank=True, default="")
    send_attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="catalog_fieldorder_idempotency")
        ]


class FieldOrderLine(TenantOwned):
    order = models.ForeignKey(FieldOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(CatalogProduct, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    price = models.DecimalField(max_digits=16, decimal_places=2)
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["id"]
