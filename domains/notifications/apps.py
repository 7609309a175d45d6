from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "domains.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from domains.notifications.services import queue
        from realtime import fanout

        # Messages are written from the committed events, once, off the emitting transaction.
        fanout.follow("notifications", wants=queue.subscriptions, handle=queue.queue_notifications, announces=True)
