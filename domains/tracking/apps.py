from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "domains.tracking"
    label = "tracking"
    verbose_name = "Agents' GPS points, tracker apps, presence and field settings"

    def ready(self) -> None:
        from domains.tracking import live_socket  # noqa: F401  (registers the location frame, snapshot, activity)
