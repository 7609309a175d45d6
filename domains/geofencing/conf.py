"""Geofencing's settings: none from the environment; the schema's name for its enum."""

ENUM_NAME_OVERRIDES = {"GeofenceKindEnum": "domains.geofencing.models.GeofenceKind"}
