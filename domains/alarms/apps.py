from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "domains.alarms"
    label = "alarms"
    verbose_name = "Alarms"

    def ready(self) -> None:
        from domains.alarms.kinds import ALARM_KINDS

        ALARM_KINDS.load()  # every app's ``alarms`` module: the kinds and their events
