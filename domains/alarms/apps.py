from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "domains.alarms"
    label = "alarms"
    verbose_name = "Alarms"
