from django.apps import AppConfig

from core.discovery import import_app_modules


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        # Event types are declared in each app's ``events`` module; load them all so that every
        # process (web, worker, tests) knows every type before anything emits.
        import_app_modules("events")
