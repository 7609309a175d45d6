"""Clients' settings: the names of its enums in the OpenAPI document."""

ENUM_NAME_OVERRIDES = {"ReferenceKindEnum": "domains.clients.models.ReferenceKind"}
