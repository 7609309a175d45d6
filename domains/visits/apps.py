from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "domains.visits"
    label = "visits"
    verbose_name = "Agents' visits to clients"
