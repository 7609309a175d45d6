"""Hooks for domains built on the stock ledger, so stock never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that changed balances: tenant_id, product_ids.
levels_changed = Signal()
# Sent before a product is soft-deleted; a receiver raises (e.g. Conflict) to refuse: product.
product_retiring = Signal()
