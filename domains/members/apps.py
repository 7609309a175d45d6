from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "domains.members"
    label = "members"
    verbose_name = "Organization and members"
