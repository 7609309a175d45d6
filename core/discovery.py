"""Finding what each app declares, by convention (``<app>.tasks``, ``<app>.events``,
``<app>.capabilities``, ``<app>.pages``, ...), as Django's admin finds each app's ``admin``.

A lower layer owns a registry; the apps above it fill it from their own modules; nothing
central lists them, so a new domain is one folder and an ``INSTALLED_APPS`` line.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Generic, TypeVar

from django.apps import apps

T = TypeVar("T")


def import_app_modules(name: str) -> list[ModuleType]:
    """Import ``<app>.<name>`` for every installed app that has one, in INSTALLED_APPS order."""
    return [
        importlib.import_module(f"{config.name}.{name}")
        for config in apps.get_app_configs()
        if importlib.util.find_spec(f"{config.name}.{name}") is not None
    ]


def app_order(module: str) -> int:
    """The place in INSTALLED_APPS of the app that holds ``module`` (unknown apps last)."""
    names = [config.name for config in apps.get_app_configs()]
    owners = [i for i, name in enumerate(names) if module == name or module.startswith(name + ".")]
    return max(owners, default=len(names), key=lambda i: len(names[i]))


class Declarations(Mapping[str, T], Generic[T]):
    """A registry the installed apps' ``<app>.<module>`` modules fill as they are imported.

    Reading it imports every such module first (once), so a reader never sees half of it;
    the entries then read in INSTALLED_APPS order, each app's in its own declaration order.
    Declaring functions write to ``own`` directly.
    """

    def __init__(self, module: str) -> None:
        self.module = module
        self.own: dict[str, T] = {}
        self._loaded = False

    def load(self) -> None:
        if self._loaded:
            return
        self._loaded = True  # first: the modules read the registry while they declare
        import_app_modules(self.module)
        ordered = sorted(self.own.items(), key=lambda item: app_order(getattr(item[1], "module", "")))
        self.own.clear()
        self.own.update(ordered)

    def __getitem__(self, key: str) -> T:
        self.load()
        return self.own[key]

    def __iter__(self) -> Iterator[str]:
        self.load()
        return iter(self.own)

    def __len__(self) -> int:
        self.load()
        return len(self.own)

    def __contains__(self, key: object) -> bool:
        self.load()
        return key in self.own
