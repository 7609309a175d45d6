#!/usr/bin/env python
"""Django's command-line utility; also the entry point of every Oqim process:
``manage.py web``, ``manage.py worker``, ``manage.py scheduler``."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
