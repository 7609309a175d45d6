from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "domains.clients"
    label = "clients"
    verbose_name = "Clients and reference dictionaries"
