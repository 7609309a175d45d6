"""Webhooks' settings (environment variables; README, "Configuration"). Timeouts and the
networks receivers may sit in are the outbound client's (core.egress)."""

from core.config import env

# Finished deliveries and their attempts are kept this long in the delivery log.
WEBHOOKS_LOG_DAYS = env.int("WEBHOOKS_LOG_DAYS", default=30)

ENUM_NAME_OVERRIDES = {
    "WebhookEndpointStateEnum": "domains.webhooks.models.EndpointState",
    "WebhookDeliveryStateEnum": "domains.webhooks.models.DeliveryState",
}
