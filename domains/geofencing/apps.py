from django.apps import AppConfig


class GeofencingConfig(AppConfig):
    name = "domains.geofencing"
    label = "geofencing"
    verbose_name = "Territories, zones and clients' zones, and agents crossing them"

    def ready(self) -> None:
        from domains.geofencing import services  # noqa: F401  (registers the fixes' judge with tracking)
