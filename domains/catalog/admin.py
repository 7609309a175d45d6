"""Catalog in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.catalog.models import CatalogProduct, FieldOrder, PriceType, Warehouse

register_rows(CatalogProduct, PriceType, Warehouse, FieldOrder)
