"""Sending a finished row again: a copy at the end of its line, linked to the original."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


def replay(row: models.Model, *, reset: dict[str, Any], link: str | None = "replay_of") -> models.Model:
    """A new pending row with ``row``'s fields, ``reset`` applied, due now. ``link`` names the
    field that points at the original (None for rows without one)."""
    fields = {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now_add", False)
    }
    fields.update(reset)
    fields.setdefault("next_attempt_at", timezone.now())
    if link:
        fields[f"{link}_id"] = row.pk
    return type(row)._default_manager.create(**fields)
