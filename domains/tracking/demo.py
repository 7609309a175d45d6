"""Demo breadcrumbs for `make run`: the demo agent's tracker app and morning route through the
demo clients, recorded through the same service as real uploads (so filters, presence and the
demo's fences, seeded just before by geofencing, apply)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.demo import demo_username
from core.models import Organization, User
from core.roles import Role
from domains.tracking import services
from domains.tracking.fixes import Fix
from domains.tracking.models import AgentState, Source

# A loop through central Tashkent, one fix a minute.
ROUTE = [
    (41.3111, 69.2797),
    (41.3135, 69.2820),
    (41.3160, 69.2851),
    (41.3187, 69.2880),
    (41.3209, 69.2912),
    (41.3232, 69.2941),
    (41.3251, 69.2978),
    (41.3240, 69.3015),
    (41.3214, 69.3040),
    (41.3186, 69.3021),
    (41.3160, 69.2993),
    (41.3138, 69.2960),
]


def seed(tenant: Organization) -> None:
    agent = User.objects.get(username=demo_username(Role.AGENT))
    if AgentState.objects.filter(tenant=tenant, agent=agent).exists():
        return
    # A tracker app's device (its token is not shown: make your own, docs/field.md).
    services.device_create(tenant=tenant, agent_id=agent.pk, name="Agent telefoni (Traccar Client)", actor=agent)
    start = timezone.now() - timedelta(minutes=len(ROUTE) + 1)
    fixes = [
        Fix(
            index=n,
            recorded_at=start + timedelta(minutes=n),
            lat=lat,
            lon=lon,
            accuracy=8.0,
            speed=1.4,
            battery=90 - n,
            client_id=f"demo-{n}",
        )
        for n, (lat, lon) in enumerate(ROUTE)
    ]
    # One fix the accuracy filter keeps out of the track (it shows up in the audit).
    fixes.append(Fix(index=len(fixes), recorded_at=start + timedelta(seconds=90), lat=41.40, lon=69.40, accuracy=900.0))
    services.record([services.Batch(tenant_id=tenant.pk, agent_id=agent.pk, fixes=fixes, source=Source.UPLOAD)])
