from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "domains.catalog"
    label = "catalog"
    verbose_name = "E-catalog (the 1C nomenclature: products, prices, stock per warehouse)"
