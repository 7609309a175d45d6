from django.apps import AppConfig


class OnecConfig(AppConfig):
    name = "domains.onec"
    label = "onec"
    verbose_name = "1C:Enterprise integration (exchange of the catalog and clients)"
