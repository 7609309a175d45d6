"""The catalog for the benches: product searches as the API's query builds them."""

from __future__ import annotations

from collections.abc import Callable

from core.models import Organization
from domains.catalog import selectors
from domains.catalog.models import ClientTerms, PriceType


def client_with_terms(tenant: Organization) -> int:
    return ClientTerms.objects.filter(tenant=tenant).values_list("client_id", flat=True).first()


def searcher(tenant: Organization) -> Callable[[str], int]:
    """A search's first page with the first price type's prices (the query alone); how many rows."""
    price_type = PriceType.objects.filter(tenant=tenant).first()

    def search(term: str) -> int:
        return len(list(selectors.product_list(tenant=tenant, search=term, price_type=price_type)[:50]))

    return search
