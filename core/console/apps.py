from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "core.console"
    label = "console"
    verbose_name = "Oqim console"
