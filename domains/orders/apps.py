from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "domains.orders"
    label = "orders"
    verbose_name = "Digital orders"
