"""Hooks for domains built on the stock ledger, so stock never imports them.

Sent before a product is soft-deleted; a receiver raises (e.g. Conflict) to refuse: product."""

from django.dispatch import Signal

product_retiring = Signal()
