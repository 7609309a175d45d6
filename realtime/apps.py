import importlib
import importlib.util

from django.apps import AppConfig, apps


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        # Event types are declared in each app's ``events`` module; load them all so that every
        # process (web, worker, tests) knows every type before anything emits.
        for config in apps.get_app_configs():
            if importlib.util.find_spec(f"{config.name}.events") is not None and config.name != "realtime":
                importlib.import_module(f"{config.name}.events")
