from django.core.management.base import BaseCommand

from core.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo organization with one login per role (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        tenant, logins = seed_demo()
        new = sum(1 for *_, created in logins if created)
        self.stdout.write(f"Demo organization '{tenant.slug}' ready ({new} logins created now).")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, _ in logins:
            self.stdout.write(f"  {role:<9} {username}")
