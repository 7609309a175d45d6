from django.apps import AppConfig


class KitchenConfig(AppConfig):
    name = "domains.kitchen"
    label = "kitchen"
    verbose_name = "Kitchen"

    def ready(self) -> None:
        from domains.kitchen import (
            receivers,  # noqa: F401  (recipes keep their products)
            services,
        )
        from realtime import fanout

        # Live portions follow the committed stock changes, off the serving's transaction.
        fanout.follow(
            "kitchen.portions", wants=services.kitchens_following_stock, handle=services.portions_follow_stock
        )
