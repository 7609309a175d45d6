from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "domains.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from domains.webhooks.services import queue_events
        from realtime.events import on_emit

        on_emit(queue_events)  # deliveries are written in the events' own transaction
