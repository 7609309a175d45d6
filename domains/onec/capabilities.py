"""What onec lets people do, and which roles may (the admin holds every capability; docs/permissions.md)."""

from __future__ import annotations

from core.roles import capability

ONEC_MANAGE = capability("onec.manage", roles=(), text="Connect 1C, run and watch its exchanges")
