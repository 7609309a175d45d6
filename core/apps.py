from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Oqim core"

    def ready(self) -> None:
        from core import (
            membership_cache,
            schema,  # noqa: F401  (registers the OpenAPI auth extension)
            strict_fields,
        )
        from core.roles import CAPABILITIES

        strict_fields.install()
        membership_cache.connect()
        CAPABILITIES.load()  # every app's ``capabilities`` module, before anything asks
