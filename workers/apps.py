from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "workers"

    def ready(self) -> None:
        # Actors bind to the broker when their module is imported; import them all once here so
        # every process (web, worker, scheduler, tests) knows every actor by name.
        from core.health import CHECKS
        from workers import broker, registry

        registry.discover_actors()
        CHECKS["broker"] = broker.check_broker
