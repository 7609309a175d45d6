"""Create an organization and its first administrator in one step (no separate roles step:
roles are fixed in code)."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.exceptions import ValidationError

from core import services


class Command(BaseCommand):
    help = "Create a tenant (organization) with its first admin user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", default="", help="URL-safe id used at login (default: from the name).")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-email", default="")
        parser.add_argument(
            "--admin-password-env",
            default="OQIM_ADMIN_PASSWORD",
            help="Environment variable holding the password (default OQIM_ADMIN_PASSWORD); "
            "prompted for when unset and a terminal is attached. Never passed on the command line.",
        )

    def handle(self, *args: object, **opts: str) -> None:
        password = os.environ.get(opts["admin_password_env"], "")
        if not password:
            if not sys.stdin.isatty():
                raise CommandError(f"Set {opts['admin_password_env']} or run interactively to be asked.")
            password = getpass.getpass("Admin password: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords differ.")
        try:
            tenant, membership = services.tenant_create(
                name=opts["name"],
                slug=opts["slug"],
                admin_username=opts["admin_username"],
                admin_password=password,
                admin_email=opts["admin_email"],
            )
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.detail.items())
            raise CommandError(problems) from exc
        self.stdout.write(f"Created organization '{tenant.slug}' with admin '{membership.user.username}'.")
