"""The tenant's field settings as the ingest reads them, and presence derived from them."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from domains.locations.models import AgentState, FieldSettings, Presence

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def field_settings(tenant_ids: Iterable[int]) -> dict[int, FieldSettings]:
    ids = set(tenant_ids)
    found = {row.tenant_id: row for row in FieldSettings.objects.filter(tenant_id__in=ids)}
    return {tenant_id: found.get(tenant_id) or FieldSettings(tenant_id=tenant_id) for tenant_id in ids}


RULES_CACHE_SECONDS = 5.0
_rules_cache: dict[int, tuple[float, FieldSettings]] = {}


def cached_field_settings(tenant_ids: Iterable[int]) -> dict[int, FieldSettings]:
    """``field_settings`` remembered per process for ``RULES_CACHE_SECONDS``: a change reaches
    the live ingest within that time (docs/field.md)."""
    ids = set(tenant_ids)
    now = time.monotonic()
    found = {t: hit[1] for t in ids if (hit := _rules_cache.get(t)) and hit[0] > now}
    missing = ids - set(found)
    if missing:
        for tenant_id, rules in field_settings(missing).items():
            _rules_cache[tenant_id] = (now + RULES_CACHE_SECONDS, rules)
            found[tenant_id] = rules
    return found


def presence_of(state: AgentState, rules: FieldSettings, now: datetime) -> str:
    """Online while fixes keep coming; idle once they stop but the agent was heard from (a
    fix or socket activity) within ``offline_after_seconds``; offline after that."""
    last_fix = state.last_fix_at or _EPOCH
    heard = max(last_fix, state.last_seen_at or _EPOCH)
    if now - last_fix < timedelta(seconds=rules.idle_after_seconds):
        return Presence.ONLINE
    if now - heard < timedelta(seconds=rules.offline_after_seconds):
        return Presence.IDLE
    return Presence.OFFLINE


def forget(tenant_id: int) -> None:
    """Drop the tenant's cached settings in this process (after a change)."""
    _rules_cache.pop(tenant_id, None)
