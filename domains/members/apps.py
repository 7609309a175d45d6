from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "domains.members"
    label = "members"
    verbose_name = "Organization and members"

    def ready(self) -> None:
        from domains.members import receivers  # noqa: F401  (the audit of a reused refresh token)
