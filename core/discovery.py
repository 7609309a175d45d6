"""Finding per-app modules by convention (``<app>.tasks``, ``<app>.events``)."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from django.apps import apps


def import_app_modules(name: str) -> list[ModuleType]:
    """Import ``<app>.<name>`` for every installed app that has one, in INSTALLED_APPS order."""
    return [
        importlib.import_module(f"{config.name}.{name}")
        for config in apps.get_app_configs()
        if importlib.util.find_spec(f"{config.name}.{name}") is not None
    ]
