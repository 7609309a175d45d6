from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "domains.shops"
    label = "shops"
    verbose_name = "Shops: stores, branches, sales and expenses"

    def ready(self) -> None:
        from domains.shops import receivers  # noqa: F401  (connects the signal handlers)
