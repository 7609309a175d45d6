"""Shops' settings."""

EXPENSE_ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024  # one receipt; a larger body is refused earlier with 413

ENUM_NAME_OVERRIDES = {
    "BranchRoleEnum": "domains.shops.models.BranchRole",
    "PaymentMethodEnum": "domains.shops.models.PaymentMethod",
}
