"""Races the database must settle (PostgreSQL, the services run): two check-ins of one agent at
once, and one agent's live and uploaded points recorded at the same time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict
from core.roles import Role
from domains.locations import services as locations
from domains.locations.ingest import Fix
from domains.locations.models import AgentState, LocationPoint
from domains.visits import services as visits
from domains.visits.models import Visit
from tests.factories import member_factory, tenant_factory
from tests.field.conftest import TASHKENT, client_factory
from tests.stock.test_concurrency import run_threads

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_two_check_ins_at_once_leave_one_visit_open():
    tenant = tenant_factory()
    agent = member_factory(tenant=tenant, role=Role.AGENT)
    client = client_factory(tenant=tenant, agents=[agent])
    planned = [
        Visit.objects.create(
            tenant=tenant, agent=agent.user, client=client, planned_at=timezone.now(), created_by=agent.user
        )
        for _ in range(6)
    ]

    def check_in(n: int) -> str:
        try:
            visits.check_in(visit=planned[n], actor=agent.user, lat=TASHKENT[0], lon=TASHKENT[1], accuracy=5.0)
        except Conflict as exc:
            return exc.get_codes()
        return "ok"

    outcomes = run_threads(6, check_in)
    assert sorted(outcomes) == ["ok"] + ["visit_open"] * 5
    assert Visit.objects.filter(state="in_progress").count() == 1


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
            batch = locations.Batch(
                tenant_id=tenant.pk, agent_id=agent.user_id, fixes=fixes[chunk : chunk + 50], source="upload"
            )
            (receipt,) = locations.record([batch])
            total += receipt.stored
        return total

    stored = run_threads(6, send)
    assert sum(stored) == 300 + 3 * 50  # each uploaded point stored by exactly one sender
    assert LocationPoint.objects.filter(agent_id=agent.user_id).count() == 450
    assert AgentState.objects.get(agent_id=agent.user_id).points_accepted == 450 - sum(
        AgentState.objects.get(agent_id=agent.user_id).points_filtered.values()
    )
