"""A race the database must settle (PostgreSQL, the services run): one agent's live and uploaded
points recorded at the same time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from domains.tracking import services as tracking
from domains.tracking.fixes import Fix
from domains.tracking.models import AgentState, LocationPoint
from tests.factories import member_factory, tenant_factory
from tests.stock.test_concurrency import run_threads

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_live_and_uploaded_points_of_one_agent_recorded_at_once_are_all_kept_once():
    tenant = tenant_factory()
    agent = member_factory(tenant=tenant, role=Role.AGENT)
    start = timezone.now() - timedelta(hours=1)
    # six senders: three overlapping offline uploads (the same points) and three live streams
    uploads = [
        Fix(index=i, recorded_at=start + timedelta(seconds=i), lat=41.3 + i * 1e-5, lon=69.2, client_id=f"u{i}")
        for i in range(300)
    ]

    def send(n: int) -> int:
        if n < 3:
            fixes = uploads
        else:
            fixes = [
                Fix(
                    index=i,
                    recorded_at=start + timedelta(minutes=10 + n, seconds=i),
                    lat=41.31,
                    lon=69.2,
                    client_id=f"l{n}-{i}",
                )
                for i in range(50)
            ]
        total = 0
        for chunk in range(0, len(fixes), 50):
            batch = tracking.Batch(
                tenant_id=tenant.pk, agent_id=agent.user_id, fixes=fixes[chunk : chunk + 50], source="upload"
            )
            (receipt,) = tracking.record([batch])
            total += receipt.stored
        return total

    stored = run_threads(6, send)
    assert sum(stored) == 300 + 3 * 50  # each uploaded point stored by exactly one sender
    assert LocationPoint.objects.filter(agent_id=agent.user_id).count() == 450
    assert AgentState.objects.get(agent_id=agent.user_id).points_accepted == 450 - sum(
        AgentState.objects.get(agent_id=agent.user_id).points_filtered.values()
    )
