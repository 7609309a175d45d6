from django.apps import AppConfig


class LocationsConfig(AppConfig):
    name = "domains.locations"
    label = "locations"
    verbose_name = "Agents' GPS breadcrumbs, presence and field settings"

    def ready(self) -> None:
        from domains.locations import live  # noqa: F401  (registers the live socket's location frame)
