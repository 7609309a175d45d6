from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        # Topics and event types are declared in each app's ``events`` module; load them all so
        # that every process (web, worker, tests) knows every type before anything emits.
        from realtime.events import EVENT_TYPES, check_topics

        EVENT_TYPES.load()
        check_topics()
