"""Digital orders' settings."""

ENUM_NAME_OVERRIDES = {
    "OrderStatusEnum": "domains.orders.models.OrderStatus",
    "ProviderKindEnum": "domains.orders.models.ProviderKind",
    "AttemptKindEnum": "domains.orders.models.AttemptKind",
    "AttemptOutcomeEnum": "domains.orders.models.Outcome",
}
