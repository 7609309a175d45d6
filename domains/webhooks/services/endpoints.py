"""Endpoints: registering, changing, pausing and resuming, deleting, a new secret."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.egress_guard import require_allowed
from core.errors import invalid
from core.models import Organization, User
from core.secrets import seal
from domains.alarms.api import clear_alarms
from domains.webhooks import signing
from domains.webhooks.alarms import WEBHOOK_FAILING
from domains.webhooks.models import Endpoint, EndpointState
from domains.webhooks.services.queue import kick
from realtime import fanout
from realtime.events import EVENT_TYPES


def _check_types(types: Sequence[str]) -> list[str]:
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        raise invalid("event_types", "unknown_event_type", f"Not in the event catalogue: {', '.join(unknown)}.")
    return sorted(set(types))


@transaction.atomic
def endpoint_create(
    *,
    tenant: Organization,
    actor: User,
    url: str,
    event_types: Sequence[str],
    description: str = "",
    with_secrets: bool = False,
) -> tuple[Endpoint, str]:
    """A new endpoint and its signing secret (shown once; stored sealed)."""
    require_allowed(url)
    secret = signing.new_secret()
    endpoint = Endpoint.objects.create(
        tenant=tenant,
        url=url,
        description=description,
        event_types=_check_types(event_types),
        with_secrets=with_secrets,
        secret_sealed=seal(secret),
        created_by=actor,
    )
    fanout.changed()
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, **changes: Any) -> Endpoint:
    """Change the URL, the event types, the description, ``with_secrets``, or the state:
    ``active`` resumes a paused or disabled endpoint where its deliveries stopped."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in changes and changes["url"] != endpoint.url:
        require_allowed(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _check_types(changes["event_types"])
    resumed = changes.get("state") == EndpointState.ACTIVE and endpoint.state != EndpointState.ACTIVE
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if "state" in changes:
        endpoint.state_reason = "" if changes["state"] == EndpointState.ACTIVE else "paused by an admin"
    endpoint.save()
    fanout.changed()
    if resumed:
        clear_alarms(tenant_id=endpoint.tenant_id, kind=WEBHOOK_FAILING, subject=alarm_subject(endpoint))
        transaction.on_commit(partial(kick, [endpoint.pk]))
    return endpoint


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Soft: the delivery log stays readable; nothing more is queued or sent."""
    Endpoint.objects.filter(pk=endpoint.pk).update(deleted_at=timezone.now(), state=EndpointState.PAUSED)
    fanout.changed()


def rotate_secret(*, endpoint: Endpoint) -> str:
    """A new signing secret, in force for the next attempt; the old one stops at once."""
    secret = signing.new_secret()
    Endpoint.objects.filter(pk=endpoint.pk).update(secret_sealed=seal(secret), updated_at=timezone.now())
    return secret


def alarm_subject(endpoint: Endpoint) -> str:
    return f"endpoint:{endpoint.pk}"
