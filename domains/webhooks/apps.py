from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "domains.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from domains.webhooks.services import queue
        from realtime import fanout

        # Deliveries are written from the committed events, once, off the emitting transaction.
        fanout.follow("webhooks", wants=queue.subscriptions, handle=queue.queue_events)
