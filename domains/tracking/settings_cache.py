"""The tenant's field settings as the ingest reads them: read for a batch, or, on the live
socket's hot path, from a per-process cache of a few seconds."""

from __future__ import annotations

import time
from collections.abc import Iterable

from domains.tracking.models import FieldSettings


def field_settings(tenant_ids: Iterable[int]) -> dict[int, FieldSettings]:
    """Each tenant's settings; the defaults (unsaved) for one that never changed them."""
    ids = set(tenant_ids)
    found = {row.tenant_id: row for row in FieldSettings.objects.filter(tenant_id__in=ids)}
    return {tenant_id: found.get(tenant_id) or FieldSettings(tenant_id=tenant_id) for tenant_id in ids}


CACHE_SECONDS = 5.0
_cache: dict[int, tuple[float, FieldSettings]] = {}


def cached_field_settings(tenant_ids: Iterable[int]) -> dict[int, FieldSettings]:
    """``field_settings`` remembered per process for ``CACHE_SECONDS``: a change reaches the
    live ingest within that time (docs/field.md)."""
    ids = set(tenant_ids)
    now = time.monotonic()
    found = {t: hit[1] for t in ids if (hit := _cache.get(t)) and hit[0] > now}
    missing = ids - set(found)
    if missing:
        for tenant_id, rules in field_settings(missing).items():
            _cache[tenant_id] = (now + CACHE_SECONDS, rules)
            found[tenant_id] = rules
    return found


def forget(tenant_id: int) -> None:
    """Drop the tenant's cached settings in this process (after a change)."""
    _cache.pop(tenant_id, None)
