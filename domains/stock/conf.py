"""Stock's settings."""

ENUM_NAME_OVERRIDES = {"MovementKindEnum": "domains.stock.models.MovementKind"}
