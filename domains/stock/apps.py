from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "domains.stock"
    label = "stock"
    verbose_name = "Stock ledger"
