from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "domains.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from domains.notifications.services.queue import queue_notifications
        from realtime.events import on_emit

        on_emit(queue_notifications)  # messages are written in the events' own transaction
