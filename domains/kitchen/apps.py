from django.apps import AppConfig


class KitchenConfig(AppConfig):
    name = "domains.kitchen"
    label = "kitchen"
    verbose_name = "Kitchen"

    def ready(self) -> None:
        from domains.kitchen import receivers  # noqa: F401  (portions follow stock levels)
