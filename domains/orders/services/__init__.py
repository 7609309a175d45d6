"""Orders' writes, one module per job: the catalog, placing, the order's lifecycle (transitions,
events, leases), dispatch and status checks, provider webhooks, operator actions, and the sweep."""

from __future__ import annotations

from domains.orders.services.catalog import (
    package_create,
    package_delete,
    package_update,
    product_create,
    product_delete,
    product_update,
    provider_create,
    provider_delete,
    provider_update,
)
from domains.orders.services.dispatch import check, dispatch, expire
from domains.orders.services.lifecycle import CLOCK_SKEW, LEASE_MARGIN_SECONDS, LEASE_RETRY_SLACK_SECONDS, send_action
from domains.orders.services.operators import cancel, retry
from domains.orders.services.placing import fingerprint, order_place
from domains.orders.services.sweep import SWEEP_GRACE, sweep
from domains.orders.services.webhooks import WEBHOOK_TOLERANCE, sign_webhook, webhook_receive

__all__ = [
    "CLOCK_SKEW",
    "LEASE_MARGIN_SECONDS",
    "LEASE_RETRY_SLACK_SECONDS",
    "SWEEP_GRACE",
    "WEBHOOK_TOLERANCE",
    "cancel",
    "check",
    "dispatch",
    "expire",
    "fingerprint",
    "order_place",
    "package_create",
    "package_delete",
    "package_update",
    "product_create",
    "product_delete",
    "product_update",
    "provider_create",
    "provider_delete",
    "provider_update",
    "retry",
    "send_action",
    "sign_webhook",
    "sweep",
    "webhook_receive",
]
